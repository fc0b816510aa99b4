import { TtlCache } from '@llmlab/api-keys';
import { routeKey } from './route.decider';
import type { RoutesRepository, StoredRoute } from './routes.repository';

export type { StoredRoute };

/**
 * A project's routes for the data path, kept in this process for `ttlMs` (as its provider keys are): a route set
 * or removed applies everywhere within that time.
 */
export class StoredRoutes {
  private readonly cache: TtlCache<Promise<Map<string, StoredRoute>>>;

  constructor(
    private readonly repository: RoutesRepository,
    ttlMs: number,
  ) {
    this.cache = new TtlCache(ttlMs);
  }

  /** The route for the call's model and feature (`''` when the call has no feature tag), else the model's for every call. */
  async resolve(projectId: string, model: string, feature: string): Promise<StoredRoute | undefined> {
    const routes = await this.cache.load(projectId, () => this.repository.byKey(projectId));
    return routes.get(routeKey(model, feature)) ?? routes.get(routeKey(model, null));
  }
}
