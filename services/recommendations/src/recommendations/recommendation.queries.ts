import { Inject, Injectable } from '@nestjs/common';
import {
  RECOMMENDATION_KINDS,
  RECOMMENDATION_STATUSES,
  RecommendationErrorCode,
  type ListRecommendationsRequest,
  type RecommendationFindings,
  type RecommendationKind,
  type RecommendationList,
  type RecommendationOwner,
  type RecommendationStatus,
  type RecommendationView,
} from '@llmlab/contracts';
import { FieldErrors, isUuid, type OrganizationScope, type ProjectScope } from '@llmlab/domain';
import { PG_POOL } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import { RealizedSavingsMeter } from '../realized/realized-savings';
import { RecommendationError, recommendationNotFound } from './recommendation.errors';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;
/** A cursor's savings: an amount of `estimated_monthly_savings` (NUMERIC(60,12)), 48 digits before the point. */
const DECIMAL = /^-?\d{1,48}(\.\d{1,12})?$/;

interface Row {
  id: string;
  organization_id: string;
  project_id: string;
  kind: string;
  status: string;
  findings: RecommendationFindings;
  savings: string | null;
  opened_at: Date;
  updated_at: Date;
  accepted_at: Date | null;
  accepted_by: string | null;
  dismissed_at: Date | null;
  dismissed_by: string | null;
  dismiss_reason: string | null;
  resolved_at: Date | null;
  applied_route_id: string | null;
  applied_at: Date | null;
  applied_by: string | null;
  revision: string;
}

const COLUMNS = `id, organization_id, project_id, kind, status, findings, estimated_monthly_savings::text AS savings, opened_at, updated_at,
  accepted_at, accepted_by, dismissed_at, dismissed_by, dismiss_reason, resolved_at, applied_route_id, applied_at, applied_by, revision`;

function view(row: Row): RecommendationView {
  const f = row.findings;
  return {
    id: row.id,
    organizationId: row.organization_id,
    projectId: row.project_id,
    kind: row.kind as RecommendationKind,
    status: row.status as RecommendationStatus,
    scope: f.scope,
    title: f.title,
    change: f.change,
    target: f.target,
    evidence: f.evidence,
    estimatedMonthlySavings: f.estimatedMonthlySavings,
    confidence: f.confidence,
    caveats: [...f.caveats],
    openedAt: row.opened_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    acceptedAt: row.accepted_at?.toISOString() ?? null,
    acceptedBy: row.accepted_by,
    dismissedAt: row.dismissed_at?.toISOString() ?? null,
    dismissedBy: row.dismissed_by,
    dismissReason: row.dismiss_reason,
    resolvedAt: row.resolved_at?.toISOString() ?? null,
    appliedRoute:
      row.applied_route_id && row.applied_at
        ? { routeId: row.applied_route_id, appliedAt: row.applied_at.toISOString(), appliedBy: row.applied_by ?? '' }
        : null,
    realizedSavings: null,
    revision: Number(row.revision),
  };
}

/** `<savings or empty>|<id>` of a page's last row, base64url: the next page starts after it in the list's order. */
function encodeCursor(row: Row): string {
  return Buffer.from(`${row.savings ?? ''}|${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { savings: string | null; id: string } | undefined {
  const [savings, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!isUuid(id ?? '') || (savings !== '' && !DECIMAL.test(savings ?? ''))) return undefined;
  return { savings: savings === '' ? null : savings, id };
}

/** The recommendations read model, every read scoped to an organization (and a project where the route names one). */
@Injectable()
export class RecommendationQueries {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly realized: RealizedSavingsMeter,
  ) {}

  /** Accepted ones carry what they saved since: measured at read time, on the traffic as it stands. */
  private async withRealized(view: RecommendationView): Promise<RecommendationView> {
    return view.status === 'accepted' ? { ...view, realizedSavings: await this.realized.measure(view, new Date()) } : view;
  }

  listProject(scope: ProjectScope, request: ListRecommendationsRequest): Promise<RecommendationList> {
    return this.list(scope, scope.projectId, request);
  }

  listOrganization(scope: OrganizationScope, request: ListRecommendationsRequest): Promise<RecommendationList> {
    return this.list(scope, null, request);
  }

  async get(scope: OrganizationScope, id: string): Promise<RecommendationView> {
    return this.withRealized(await this.getStored(scope, id));
  }

  /** As stored, without measuring what it saved (a price request): for a command that only checks what it is. */
  async getStored(scope: OrganizationScope, id: string): Promise<RecommendationView> {
    if (!isUuid(id)) throw recommendationNotFound();
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM recommendations.recommendations WHERE id = $1 AND organization_id = $2`,
      [id, scope.organizationId],
    );
    if (!rows[0]) throw recommendationNotFound();
    return view(rows[0]);
  }

  /** Whose a recommendation is, for the gateway's tenant check; not found for a malformed or unknown id. */
  async owner(id: string): Promise<RecommendationOwner> {
    if (!isUuid(id)) throw recommendationNotFound();
    const { rows } = await this.pool.query<{ organization_id: string; project_id: string }>(
      `SELECT organization_id, project_id FROM recommendations.recommendations WHERE id = $1`,
      [id],
    );
    if (!rows[0]) throw recommendationNotFound();
    return { organizationId: rows[0].organization_id, projectId: rows[0].project_id };
  }

  private async list(scope: OrganizationScope, projectId: string | null, request: ListRecommendationsRequest): Promise<RecommendationList> {
    const errors = new FieldErrors();
    if (request.status !== undefined && !RECOMMENDATION_STATUSES.includes(request.status)) {
      errors.add('/status', `must be one of ${RECOMMENDATION_STATUSES.join(', ')}`);
    }
    if (request.kind !== undefined && !RECOMMENDATION_KINDS.includes(request.kind))
      errors.add('/kind', `must be one of ${RECOMMENDATION_KINDS.join(', ')}`);
    const limit = request.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) errors.add('/limit', `must be an integer from 1 to ${MAX_LIMIT}`);
    const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
    if (request.cursor !== undefined && !after) errors.add('/cursor', 'is not a cursor this list returned');
    if (!errors.empty) throw new RecommendationError(RecommendationErrorCode.Invalid, 'invalid recommendations query', errors.errors);

    const where = ['organization_id = $1'];
    const args: unknown[] = [scope.organizationId];
    const arg = (value: unknown) => `$${args.push(value)}`;
    if (projectId !== null) where.push(`project_id = ${arg(projectId)}`);
    if (request.status !== undefined) where.push(`status = ${arg(request.status)}`);
    if (request.kind !== undefined) where.push(`kind = ${arg(request.kind)}`);
    if (after) {
      where.push(
        after.savings === null
          ? `(estimated_monthly_savings IS NULL AND id < ${arg(after.id)})`
          : `(estimated_monthly_savings < ${arg(after.savings)}::numeric OR (estimated_monthly_savings = ${arg(after.savings)}::numeric AND id < ${arg(after.id)}) OR estimated_monthly_savings IS NULL)`,
      );
    }
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM recommendations.recommendations WHERE ${where.join(' AND ')}
       ORDER BY estimated_monthly_savings DESC NULLS LAST, id DESC LIMIT ${arg(limit + 1)}`,
      args,
    );
    const page = rows.slice(0, limit);
    const data: RecommendationView[] = [];
    for (const row of page) data.push(await this.withRealized(view(row)));
    return { data, nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]) : null };
  }
}
