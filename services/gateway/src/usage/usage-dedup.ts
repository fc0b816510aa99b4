import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { usageSeenKey } from '@llmlab/contracts';

/** What the gateway knows of an event id: free to publish, durably accepted before, or being published now. */
export type SeenState = 'claimed' | 'acked' | 'inflight';

/** How long an in-flight claim lives if its request dies before releasing it. */
export const INFLIGHT_TTL_SECONDS = 30;

const ACKED = 'acked';

// One round trip per batch: try to claim each id; say why a refused one was refused.
const CLAIM = `
local out = {}
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, ARGV[1], 'NX', 'EX', ARGV[2]) then
    out[i] = 0
  elseif redis.call('GET', key) == '${ACKED}' then
    out[i] = 1
  else
    out[i] = 2
  end
end
return out`;

const ACKNOWLEDGE = `
for _, key in ipairs(KEYS) do redis.call('SET', key, '${ACKED}', 'EX', ARGV[1]) end
return 0`;

// Only this request's own claims: another request's claim on the same id is its business.
const RELEASE = `
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 0`;

const STATES: readonly SeenState[] = ['claimed', 'acked', 'inflight'];

/**
 * The gateway's memory of accepted event ids, so that a 202 can say `duplicates`. It is a hint, safe by
 * construction: an id is `acked` only after JetStream acknowledged a message carrying it, so the answer never calls
 * an event a duplicate unless a copy is durable. It is not what makes ingestion idempotent: the projection counts
 * each id once whatever the gateway published (docs/ingestion.md). With Redis down every id is published and none
 * is called a duplicate.
 */
export class UsageDedupHints {
  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    private readonly ackedTtlSeconds: number,
    private readonly logger: Logger,
  ) {}

  /** Claims the ids for `token` (the request's batch id); null when Redis did not answer. */
  async claim(projectId: string, ids: readonly string[], token: string): Promise<Map<string, SeenState> | null> {
    if (ids.length === 0) return new Map();
    try {
      const codes = (await this.redis.eval(
        CLAIM,
        ids.length,
        ...this.keys(projectId, ids),
        this.inflight(token),
        INFLIGHT_TTL_SECONDS,
      )) as number[];
      return new Map(ids.map((id, i) => [id, STATES[codes[i]]]));
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'usage dedup hints unavailable (Redis): publishing without them');
      return null;
    }
  }

  /** The ids are durable in JetStream: later copies are duplicates for the next `ackedTtlSeconds`. */
  async acknowledge(projectId: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.redis.eval(ACKNOWLEDGE, ids.length, ...this.keys(projectId, ids), this.ackedTtlSeconds).catch((err: Error) => {
      // The events are durable all the same; only the hint is lost, so a resend is published again and deduplicated downstream.
      this.logger.warn({ err: err.message }, 'could not record acknowledged usage ids (Redis)');
    });
  }

  /** The publish failed: the ids this request claimed are free again, for its retry or anyone else's. */
  async release(projectId: string, ids: readonly string[], token: string): Promise<void> {
    if (ids.length === 0) return;
    await this.redis.eval(RELEASE, ids.length, ...this.keys(projectId, ids), this.inflight(token)).catch((err: Error) => {
      this.logger.warn({ err: err.message }, `could not release usage id claims (Redis); they expire in ${INFLIGHT_TTL_SECONDS} s`);
    });
  }

  /** `{projectId}` is a hash tag: one batch's keys share a Redis Cluster slot, as a multi-key script needs. */
  private keys(projectId: string, ids: readonly string[]): string[] {
    return ids.map((id) => usageSeenKey(this.namespace, projectId, id));
  }

  private inflight(token: string): string {
    return `inflight:${token}`;
  }
}
