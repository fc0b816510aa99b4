import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { authSubjects, type RequestContext } from '@llmlab/contracts';
import type { OrganizationScope } from '@llmlab/domain';
import { createMessagingClient, natsSubject, type MessagingClient } from '@llmlab/messaging';
import { LOGGER, SERVICE_CONFIG, type DomainServiceConfig } from '@llmlab/service-kit';
import type { Logger } from 'pino';

/** What auth shows for a person whose key was destroyed. */
const ERASED = '[erased]';

/**
 * The names of an organization's members, asked of the auth service when a page of the audit log is read: names
 * are personal data, kept (encrypted) by auth alone, so the audit index never holds one and an erased person's
 * name is gone from it too.
 */
@Injectable()
export class MemberNamesClient implements OnApplicationShutdown {
  private readonly client: MessagingClient;
  private readonly subject: typeof authSubjects.listMembers;

  constructor(
    @Inject(SERVICE_CONFIG) config: DomainServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.client = createMessagingClient({ servers: config.NATS_URL, name: 'llmlab-audit', defaultTimeoutMs: 5_000 });
    this.subject = { subject: natsSubject(authSubjects.listMembers, config.NATS_PREFIX) } as typeof authSubjects.listMembers;
  }

  /** Member id → name; empty when auth does not answer (the page is still served, without names). */
  async names(scope: OrganizationScope, correlationId: string): Promise<Map<string, string>> {
    const context: RequestContext = { correlationId, organizationId: scope.organizationId, actor: { type: 'system', id: 'audit' } };
    const reply = await this.client.request(this.subject, {}, context).catch((err: unknown) => {
      this.logger.warn({ err }, 'auth did not list the members: the audit page is served without names');
      return undefined;
    });
    if (!reply?.ok) {
      if (reply) this.logger.warn({ error: reply.error.code }, 'auth refused to list the members: the audit page is served without names');
      return new Map();
    }
    return new Map(reply.data.data.filter((m) => m.name && m.name !== ERASED).map((m) => [m.userId, m.name]));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
