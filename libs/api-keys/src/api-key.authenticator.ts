import { createHash, timingSafeEqual } from 'node:crypto';
import { authCacheKeys, parseApiKey, type ApiKeyCandidate } from '@llmlab/contracts';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ApiKeyUseRecorder } from './api-key-use.recorder';
import { TtlCache, type IdentityCacheSettings } from './ttl-cache';

/**
 * The candidates of a public prefix, from the auth service (`auth.query.lookup-api-key`); throws what the edge
 * answers when the auth service cannot (the gateway: its `ServiceReplyError`).
 */
export type ApiKeyLookup = (prefix: string, correlationId: string) => Promise<ApiKeyCandidate[]>;

/**
 * API keys: the checksum first (a mistyped or invented key costs no lookup), then the candidates sharing the
 * key's public prefix, from memory, Redis, or the auth service, compared with the key's SHA-256 in constant
 * time, then the expiry. Revocation deletes the Redis entry and broadcasts `auth.cache.invalidated`, on which
 * every replica forgets the prefix's keys (`forgetPrefix`); memory keeps an answer for at most `memoryMs` anyway.
 * A key that authenticates is reported as used (ApiKeyUseRecorder: at most once a minute, off the request's path).
 */
export class ApiKeyAuthenticator {
  private readonly memory: TtlCache<ApiKeyCandidate | null>;

  constructor(
    private readonly lookup: ApiKeyLookup,
    private readonly redis: Redis,
    private readonly settings: IdentityCacheSettings,
    private readonly logger: Logger,
    private readonly uses: ApiKeyUseRecorder,
  ) {
    this.memory = new TtlCache(settings.memoryMs);
  }

  /** `beforeLookup` runs before a key unknown to this replica is looked up, and may refuse the request. */
  async authenticate(key: string, correlationId: string, beforeLookup: () => Promise<void>): Promise<ApiKeyCandidate | null> {
    const parsed = parseApiKey(key);
    if (!parsed) return null;
    const hash = createHash('sha256').update(key).digest();
    const memoryKey = `${parsed.prefix}|${hash.toString('hex')}`;
    let match = this.memory.get(memoryKey);
    if (match === undefined) {
      await beforeLookup();
      const candidates = await this.candidates(parsed.prefix, correlationId);
      match = candidates.find((c) => c.hash.length === 64 && timingSafeEqual(Buffer.from(c.hash, 'hex'), hash)) ?? null;
      this.memory.set(memoryKey, match);
    }
    if (!match || (match.expiresAt !== null && Date.parse(match.expiresAt) <= Date.now())) return null;
    this.uses.used(match.id, correlationId);
    return match;
  }

  /** Drops what this replica remembers about the keys sharing `prefix`. */
  forgetPrefix(prefix: string): void {
    this.memory.deletePrefix(`${prefix}|`);
  }

  private async candidates(prefix: string, correlationId: string): Promise<ApiKeyCandidate[]> {
    const redisKey = authCacheKeys.apiKeyPrefix(this.settings.namespace, prefix);
    try {
      const cached = await this.redis.get(redisKey);
      if (cached !== null) return JSON.parse(cached) as ApiKeyCandidate[];
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'API key cache unavailable (Redis): asking the auth service');
    }
    const candidates = await this.lookup(prefix, correlationId);
    if (this.settings.redisMs > 0) {
      await this.redis.set(redisKey, JSON.stringify(candidates), 'PX', this.settings.redisMs).catch(() => undefined);
    }
    return candidates;
  }
}
