/** Where and how long resolved identities are cached: `namespace` separates deployments sharing a Redis. */
export interface IdentityCacheSettings {
  namespace: string;
  memoryMs: number;
  redisMs: number;
}

/**
 * A small in-process cache with a time to live, bounded in size: when full it is emptied, which costs a burst
 * of misses and never stale answers.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** The value, or undefined when absent or expired. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  /**
   * The promise kept for `key`, or `load()`'s, kept for the TTL: concurrent callers share one load, and a load that
   * fails is forgotten, so the next call tries again.
   */
  load<T>(this: TtlCache<Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.get(key);
    if (hit) return hit;
    const loading = load();
    this.set(key, loading);
    loading.catch(() => this.entries.delete(key));
    return loading;
  }

  /** Forgets every entry whose key starts with `prefix`. */
  deletePrefix(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  set(key: string, value: V): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value, until: Date.now() + this.ttlMs });
  }
}
