import type { RoutesRepository, StoredRoute } from './routes.repository';

export type { StoredRoute };

/**
 * A project's routes for the data path, kept in this process for `ttlMs` (as its provider keys are): a route set
 * or removed applies everywhere within that time.
 */
export class StoredRoutes {
  private readonly cache = new Map<string, { expires: number; routes: Promise<Map<string, StoredRoute>> }>();

  constructor(
    private readonly repository: RoutesRepository,
    private readonly ttlMs: number,
  ) {}

  async resolve(projectId: string, model: string): Promise<StoredRoute | undefined> {
    const now = Date.now();
    let hit = this.cache.get(projectId);
    if (!hit || hit.expires <= now) {
      const routes = this.repository.byModel(projectId);
      hit = { expires: now + this.ttlMs, routes };
      this.cache.set(projectId, hit);
      // A failed read is not remembered: the next call tries again.
      routes.catch(() => this.cache.delete(projectId));
      if (this.cache.size > 10_000) for (const [k, v] of this.cache) if (v.expires <= now) this.cache.delete(k);
    }
    return (await hit.routes).get(model);
  }
}
