import { Inject, Injectable } from '@nestjs/common';
import type { ApiKeyCandidate, ApiKeyLookupResult, ApiKeyScope, ResolveAccessRequest, ResolveAccessResult, Role } from '@llmlab/contracts';
import { PG_POOL } from '@llmlab/service-kit';
import type { Pool } from 'pg';

/**
 * The gateway's questions, asked on every cache miss of every request: one indexed SQL statement each, on the
 * read models.
 */
@Injectable()
export class AccessQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async resolve(request: ResolveAccessRequest): Promise<ResolveAccessResult> {
    const byProject = 'projectId' in request;
    const { rows } = await this.pool.query<{
      organization_id: string;
      role: Role;
      management_rate_limit: number | null;
      ingest_rate_limit: number | null;
    }>(
      byProject
        ? `SELECT p.organization_id, m.role, o.management_rate_limit, o.ingest_rate_limit
             FROM auth.projects p
             JOIN auth.memberships m ON m.organization_id = p.organization_id AND m.user_id = $2
             JOIN auth.organizations o ON o.id = p.organization_id
            WHERE p.id = $1`
        : `SELECT o.id AS organization_id, m.role, o.management_rate_limit, o.ingest_rate_limit
             FROM auth.organizations o
             JOIN auth.memberships m ON m.organization_id = o.id AND m.user_id = $2
            WHERE o.id = $1`,
      [byProject ? request.projectId : request.organizationId, request.userId],
    );
    const row = rows[0];
    if (!row) return { grant: null };
    return {
      grant: {
        organizationId: row.organization_id,
        ...(byProject ? { projectId: request.projectId } : {}),
        role: row.role,
        rateLimits: { managementPerHour: row.management_rate_limit, ingestPerHour: row.ingest_rate_limit },
      },
    };
  }

  /** Keys that can still authenticate: not revoked, project not archived. Expiry is checked by the gateway. */
  async lookupApiKey(prefix: string): Promise<ApiKeyLookupResult> {
    const { rows } = await this.pool.query<{
      id: string;
      name: string;
      prefix: string;
      key_hash: string;
      organization_id: string;
      project_id: string;
      scopes: ApiKeyScope[];
      expires_at: Date | null;
      management_rate_limit: number | null;
      ingest_rate_limit: number | null;
    }>(
      `SELECT k.id, k.name, k.prefix, k.key_hash, k.organization_id, k.project_id, k.scopes, k.expires_at,
              o.management_rate_limit, o.ingest_rate_limit
         FROM auth.api_keys k
         JOIN auth.projects p ON p.id = k.project_id
         JOIN auth.organizations o ON o.id = k.organization_id
        WHERE k.prefix = $1 AND k.revoked_at IS NULL AND p.archived_at IS NULL AND o.closed_at IS NULL`,
      [prefix],
    );
    return {
      candidates: rows.map((r): ApiKeyCandidate => ({
        id: r.id,
        name: r.name,
        prefix: r.prefix,
        hash: r.key_hash,
        organizationId: r.organization_id,
        projectId: r.project_id,
        scopes: r.scopes,
        expiresAt: r.expires_at?.toISOString() ?? null,
        rateLimits: { managementPerHour: r.management_rate_limit, ingestPerHour: r.ingest_rate_limit },
      })),
    };
  }
}
