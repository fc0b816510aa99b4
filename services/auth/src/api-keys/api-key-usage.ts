import { Inject, Injectable } from '@nestjs/common';
import { apiKeyUseGateKey, ApiKeyErrorCode, type RecordApiKeyUseRequest } from '@llmlab/contracts';
import { isUuid } from '@llmlab/domain';
import { LOGGER, PG_POOL, REDIS, SERVICE_CONFIG } from '@llmlab/service-kit';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { AuthConfig } from '../auth.config';
import { ApiKeyError } from './api-key.errors';

/** One write of `last_used_at` per key and minute, at most. */
export const API_KEY_USE_WRITE_INTERVAL_MS = 60_000;

/**
 * When each API key was last used: a column of the key's read model, not an event (a request is not a change of
 * state). Gateways report a key at most once a minute each; a Redis gate (SET NX for a minute) lets one report per
 * key and minute reach PostgreSQL whatever the number of replicas, and the UPDATE itself skips a write less than a
 * minute after the last one, so the bound holds when Redis is down too. The column is not rebuilt from events:
 * a rebuilt read model forgets it until the next use.
 */
@Injectable()
export class ApiKeyUsage {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(SERVICE_CONFIG) private readonly config: AuthConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async record(request: RecordApiKeyUseRequest, now = new Date()): Promise<Record<string, never>> {
    const usedAt = new Date(request.usedAt);
    if (!isUuid(request.apiKeyId) || Number.isNaN(usedAt.getTime())) {
      throw new ApiKeyError(ApiKeyErrorCode.Invalid, 'an API key use names a key id and a time', [
        { field: '/apiKeyId', message: 'must be a UUID, with usedAt an ISO time' },
      ]);
    }
    if (!(await this.passesGate(request.apiKeyId))) return {};
    // A gateway's clock is not trusted further than this service's own.
    const at = usedAt.getTime() > now.getTime() ? now : usedAt;
    await this.pool.query(
      `UPDATE auth.api_keys SET last_used_at = $2
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $2::timestamptz - make_interval(secs => $3))`,
      [request.apiKeyId, at, API_KEY_USE_WRITE_INTERVAL_MS / 1000],
    );
    return {};
  }

  private async passesGate(apiKeyId: string): Promise<boolean> {
    try {
      const set = await this.redis.set(apiKeyUseGateKey(this.config.NATS_PREFIX, apiKeyId), '1', 'PX', API_KEY_USE_WRITE_INTERVAL_MS, 'NX');
      return set === 'OK';
    } catch (err) {
      // The UPDATE's own condition still keeps it to one write a minute.
      this.logger.warn({ err: (err as Error).message }, 'API key use gate unavailable (Redis): relying on the database');
      return true;
    }
  }
}
