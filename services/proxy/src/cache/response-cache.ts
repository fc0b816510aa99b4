import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { stringify } from 'safe-stable-stringify';
import type { ProxyProvider } from '@llmlab/contracts';

export type WireFormat = 'openai' | 'anthropic';

/**
 * Request fields that name the caller or steer storage and routing but never change the answer: two requests that
 * differ only in them share a cache entry. Everything else, streaming and its options included, is part of the key.
 */
const IGNORED: Record<WireFormat, readonly string[]> = {
  openai: ['user', 'metadata', 'store', 'safety_identifier', 'prompt_cache_key'],
  anthropic: ['metadata'],
};

/** What a cache hit replays, and what the call it came from cost (recorded as saved on every hit). */
export interface CachedResponse {
  contentType: string;
  body: Buffer;
  /** The provider that answered the cached call (a route's target may be of the other format); absent: the caller's. */
  provider?: ProxyProvider;
  /** The model that answered the cached call. */
  model: string;
  /** The cached call's cost, a decimal string; null when it was not priced. */
  cost: string | null;
  currency: string;
  storedAt: string;
}

export interface ResponseCacheOptions {
  /** Separates deployments sharing a Redis (the NATS prefix). */
  namespace: string;
  /** Larger answers are not stored. */
  maxEntryBytes?: number;
  logger: Logger;
}

/**
 * The key of a request in the exact-match cache: the project, the route's alias, the wire format, the path and the
 * request body with its keys in one order and the ignored fields left out, hashed (SHA-256). A project never reads
 * another's entries: its id is in the key.
 */
export function cacheKey(
  scope: { projectId: string; route: string },
  format: WireFormat,
  path: string,
  body: Record<string, unknown>,
): string {
  const kept = Object.fromEntries(Object.entries(body).filter(([field]) => !IGNORED[format].includes(field)));
  // A request body is JSON: it always stringifies.
  const canonical = stringify({ format, path, body: kept }) as string;
  const digest = createHash('sha256').update(canonical).digest('base64url');
  return `${scope.projectId}:${scope.route}:${digest}`;
}

/**
 * The opt-in exact-match response cache (per route, with a TTL) in Redis. An entry is one value: a 4-byte length,
 * the JSON of its metadata, then the body as the upstream sent it (a JSON document, or a stream's SSE bytes,
 * replayed as they came). Redis failing never fails a call: a read is then a miss, a write is skipped.
 */
export class ResponseCache {
  private readonly maxEntryBytes: number;

  constructor(
    private readonly redis: Redis,
    private readonly options: ResponseCacheOptions,
  ) {
    this.maxEntryBytes = options.maxEntryBytes ?? 1 << 20;
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    try {
      const value = await this.redis.getBuffer(this.redisKey(key));
      if (!value || value.length < 4) return undefined;
      const headerLength = value.readUInt32BE(0);
      const header = JSON.parse(value.subarray(4, 4 + headerLength).toString('utf8')) as Omit<CachedResponse, 'body'>;
      return { ...header, body: value.subarray(4 + headerLength) };
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'response cache unavailable: a miss');
      return undefined;
    }
  }

  /** Stores an answer for `ttlSeconds`; false when it was not stored (too large, or Redis failed). */
  async set(key: string, entry: CachedResponse, ttlSeconds: number): Promise<boolean> {
    const { body, ...meta } = entry;
    const header = Buffer.from(JSON.stringify(meta), 'utf8');
    if (4 + header.length + body.length > this.maxEntryBytes) return false;
    const length = Buffer.alloc(4);
    length.writeUInt32BE(header.length, 0);
    try {
      await this.redis.set(this.redisKey(key), Buffer.concat([length, header, body]), 'EX', Math.max(1, Math.round(ttlSeconds)));
      return true;
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'response cache unavailable: not stored');
      return false;
    }
  }

  private redisKey(key: string): string {
    return `${this.options.namespace}:proxy-cache:${key}`;
  }
}
