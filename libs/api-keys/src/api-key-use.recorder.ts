import { authSubjects } from '@llmlab/contracts';
import type { Logger } from 'pino';
import type { RequestClient } from './request-client';
import { TtlCache } from './ttl-cache';

/** One report per key and replica per minute: the auth service then writes at most once a minute per key. */
export const API_KEY_USE_REPORT_MS = 60_000;

/**
 * Tells the auth service that an API key authenticated a request (at an edge that takes API keys), so the key's `lastUsedAt` can be shown. Never
 * per request: each replica of an edge reports a key at most once a minute (in memory), without waiting for the answer, and
 * the auth service debounces the replicas together in Redis (api-key-usage.ts). A lost report costs a minute of
 * precision, never a request.
 */
export class ApiKeyUseRecorder {
  private readonly reported = new TtlCache<true>(API_KEY_USE_REPORT_MS);

  constructor(
    private readonly client: RequestClient,
    private readonly logger: Logger,
  ) {}

  used(apiKeyId: string, correlationId: string, now = new Date()): void {
    if (this.reported.get(apiKeyId)) return;
    this.reported.set(apiKeyId, true);
    this.client
      .ask(authSubjects.recordApiKeyUse, { apiKeyId, usedAt: now.toISOString() }, { correlationId })
      .then((reply) => {
        if (!reply.ok) this.logger.warn({ apiKeyId, code: reply.error.code }, 'could not record the use of an API key');
      })
      .catch((err: Error) => this.logger.warn({ apiKeyId, err: err.message }, 'could not record the use of an API key'));
  }
}
