import { notFound } from './identity.errors';
import { TtlCache } from '@llmlab/api-keys';
import { isUuid } from '@llmlab/domain';

/** The organization that owns the resource an id names, or null when there is none (missing or deleted). */
export type OwnerLookup = (id: string, correlationId: string) => Promise<string | null>;

export interface OwnedResource {
  /** Its name in the 404 (`budget` → `BUDGET_NOT_FOUND`, `budget not found`), as its service answers a missing one. */
  resource: string;
  /** The id the path named. */
  id: string;
  organizationId: string;
}

/**
 * Routes that name a resource by its own id (`/v1/budgets/{budgetId}`) rather than by organization or project:
 * the module serving them registers, per path parameter, how to find the owning organization, and the identity
 * guard then checks the caller's role there as it does for `{orgId}`. A missing id and another tenant's answer the
 * same 404. A parameter nobody registered resolves nothing, so its route has no tenant and a permission on it is
 * refused: forgetting a registration never opens a route.
 */
export class ResourceOwners {
  private readonly lookups = new Map<string, { resource: string; lookup: OwnerLookup }>();
  /** Missing ids are remembered too, so probing random ids costs the owning service little. */
  private readonly cache: TtlCache<string | null>;

  constructor(cacheMs: number) {
    this.cache = new TtlCache(cacheMs);
  }

  register(param: string, resource: string, lookup: OwnerLookup): void {
    if (this.lookups.has(param)) throw new Error(`the path parameter {${param}} already has an owner lookup`);
    this.lookups.set(param, { resource, lookup });
  }

  /**
   * The owner of what the path's registered parameters name (they must agree), undefined when it names nothing
   * registered; the resource's 404 when an id is malformed or unknown.
   */
  async resolve(params: Record<string, string | undefined>, correlationId: string): Promise<OwnedResource | undefined> {
    let owner: OwnedResource | undefined;
    for (const [param, id] of Object.entries(params)) {
      const entry = this.lookups.get(param);
      if (!entry || id === undefined) continue;
      const organizationId = isUuid(id) ? await this.ownerOf(param, id, entry.lookup, correlationId) : null;
      if (!organizationId || (owner && owner.organizationId !== organizationId)) throw notFound(entry.resource);
      owner ??= { resource: entry.resource, id, organizationId };
    }
    return owner;
  }

  private async ownerOf(param: string, id: string, lookup: OwnerLookup, correlationId: string): Promise<string | null> {
    const key = `${param}|${id.toLowerCase()}`;
    const remembered = this.cache.get(key);
    if (remembered !== undefined) return remembered;
    const organizationId = await lookup(id, correlationId);
    this.cache.set(key, organizationId);
    return organizationId;
  }
}
