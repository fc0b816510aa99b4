import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ingestionSubjects, USAGE_LEDGER_KEYS_MAX_MONTHS, type RequestContext } from '@llmlab/contracts';
import type { UsageLedgerKeySource } from '@llmlab/crypto';
import { createMessagingClient, natsSubject, type MessagingClient } from '@llmlab/messaging';
import { SERVICE_CONFIG } from './tokens';
import type { DomainServiceConfig } from './runtime';

/**
 * How long a month's key (or its absence) is trusted without asking again. Retention destroys keys of months that
 * ended at least 30 days ago, so a projection that reads such a month within this time after may still open it.
 */
const CACHE_MS = 60_000;
const CACHE_MAX = 10_000;

/**
 * The usage ledger's month keys, asked of ingestion on `ingestion.query.usage-ledger-keys` (libs/crypto's
 * usage-ledger.ts): for the projections of the ledger in services other than ingestion, which never read its schema.
 * The request carries the organization of the event being projected, whose keys alone the reply can hold.
 */
@Injectable()
export class UsageLedgerKeyClient implements UsageLedgerKeySource, OnApplicationShutdown {
  private readonly client: MessagingClient;
  private readonly subject: typeof ingestionSubjects.usageLedgerKeys;
  private readonly cache = new Map<string, { key: Buffer | undefined; until: number }>();

  constructor(@Inject(SERVICE_CONFIG) config: DomainServiceConfig) {
    this.client = createMessagingClient({ servers: config.NATS_URL, name: 'llmlab-usage-ledger-keys', defaultTimeoutMs: 10_000 });
    this.subject = {
      subject: natsSubject(ingestionSubjects.usageLedgerKeys, config.NATS_PREFIX),
    } as typeof ingestionSubjects.usageLedgerKeys;
  }

  async keys(organizationId: string, projectId: string, months: readonly string[]): Promise<ReadonlyMap<string, Buffer>> {
    const now = Date.now();
    const found = new Map<string, Buffer>();
    const missing: string[] = [];
    for (const month of new Set(months)) {
      const hit = this.cache.get(`${projectId}:${month}`);
      if (hit && hit.until > now) {
        if (hit.key) found.set(month, hit.key);
      } else missing.push(month);
    }
    for (let i = 0; i < missing.length; i += USAGE_LEDGER_KEYS_MAX_MONTHS) {
      const asked = missing.slice(i, i + USAGE_LEDGER_KEYS_MAX_MONTHS);
      const context: RequestContext = {
        correlationId: `usage-keys:${projectId}`,
        organizationId,
        actor: { type: 'system', id: 'usage-ledger' },
      };
      const reply = await this.client.request(this.subject, { projectId, months: asked }, context);
      // Unanswered or refused: the projection fails and retries the event, rather than skipping records as expired.
      if (!reply.ok) throw new Error(`usage ledger keys of ${projectId}: ${reply.error.message}`);
      if (this.cache.size + asked.length > CACHE_MAX) this.cache.clear();
      for (const month of asked) {
        const text = reply.data.keys[month];
        const key = text === undefined ? undefined : Buffer.from(text, 'base64url');
        this.cache.set(`${projectId}:${month}`, { key, until: now + CACHE_MS });
        if (key) found.set(month, key);
      }
    }
    return found;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
