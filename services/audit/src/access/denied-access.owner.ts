import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { RequestContext } from '@llmlab/contracts';
import { isUuid, trustedScope, type OrganizationScope } from '@llmlab/domain';
import { PG_POOL } from '@llmlab/service-kit';

/**
 * The organization whose log records a denied access, from the audit index: the one the gateway named (the owner of
 * a resource id, or the `{orgId}` of the path), or the one a `{projectId}` was created in. An organization nobody
 * created, or a project nobody created, is nobody's: probing random ids records nothing and cannot grow the store.
 */
@Injectable()
export class DeniedAccessOwner {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async of(ctx: RequestContext, resource: { type: string; id: string }): Promise<OrganizationScope | null> {
    let organizationId = ctx.organizationId;
    if (organizationId === undefined && resource.type === 'project' && isUuid(resource.id)) {
      const { rows } = await this.pool.query<{ organization_id: string }>(
        `SELECT organization_id FROM audit.entries WHERE type = 'ProjectCreated' AND resource_id = $1 LIMIT 1`,
        [resource.id],
      );
      organizationId = rows[0]?.organization_id;
    }
    if (!isUuid(organizationId)) return null;
    const { rowCount } = await this.pool.query(
      `SELECT 1 FROM audit.entries WHERE organization_id = $1 AND type = 'OrganizationCreated' LIMIT 1`,
      [organizationId],
    );
    return rowCount ? trustedScope(organizationId) : null;
  }
}
