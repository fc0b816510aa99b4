import { Inject, Injectable } from '@nestjs/common';
import type { RecommendationEvent, RecommendationFindings, RecordedEvent } from '@llmlab/contracts';
import { assertUnreachable } from '@llmlab/domain';
import { applyInTransaction } from '@llmlab/messaging';
import { PG_POOL } from '@llmlab/service-kit';
import type { Pool, PoolClient } from 'pg';

export const RECOMMENDATIONS_READ_MODEL = { schema: 'recommendations', projection: 'recommendations' } as const;

const RECOMMENDATION_EVENT_TYPES: ReadonlySet<string> = new Set<RecommendationEvent['type']>([
  'RecommendationOpened',
  'RecommendationUpdated',
  'RecommendationAccepted',
  'RecommendationApplied',
  'RecommendationDismissed',
  'RecommendationReopened',
  'RecommendationResolved',
]);

/**
 * Applies the service's own events (`events.recommendations.>`), in order, to the recommendations the API lists:
 * each with its checkpoint in one transaction, and each row's revision the stream's, so a replay changes nothing.
 */
@Injectable()
export class RecommendationProjection {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async apply(event: RecordedEvent): Promise<void> {
    await applyInTransaction(this.pool, RECOMMENDATIONS_READ_MODEL, event, (tx) => this.write(tx, event));
  }

  private async write(tx: PoolClient, recorded: RecordedEvent): Promise<void> {
    // The context's other events (the right-sizing table's) are not recommendations.
    if (!RECOMMENDATION_EVENT_TYPES.has(recorded.type)) return;
    const event = { type: recorded.type, data: recorded.data } as RecommendationEvent;
    const id = event.data.recommendationId;
    const revision = recorded.revision;
    switch (event.type) {
      case 'RecommendationOpened': {
        const d = event.data;
        await tx.query(
          `INSERT INTO recommendations.recommendations (id, organization_id, project_id, kind, status, findings, estimated_monthly_savings,
             opened_at, updated_at, revision)
           VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $7, $8) ON CONFLICT (id) DO NOTHING`,
          [id, d.organizationId, d.projectId, d.findings.kind, JSON.stringify(d.findings), savingsOf(d.findings), d.openedAt, revision],
        );
        return;
      }
      case 'RecommendationUpdated':
        return this.update(tx, id, revision, `findings = $3, estimated_monthly_savings = $4, updated_at = $5`, [
          JSON.stringify(event.data.findings),
          savingsOf(event.data.findings),
          event.data.updatedAt,
        ]);
      case 'RecommendationReopened':
        return this.update(
          tx,
          id,
          revision,
          `status = 'open', findings = $3, estimated_monthly_savings = $4, updated_at = $5, dismissed_at = NULL, dismissed_by = NULL,
           dismiss_reason = NULL, resolved_at = NULL`,
          [JSON.stringify(event.data.findings), savingsOf(event.data.findings), event.data.reopenedAt],
        );
      case 'RecommendationAccepted':
        return this.update(
          tx,
          id,
          revision,
          `status = 'accepted', findings = $3, estimated_monthly_savings = $4, accepted_at = $5, accepted_by = $6, updated_at = $5,
           dismissed_at = NULL, dismissed_by = NULL, dismiss_reason = NULL`,
          [JSON.stringify(event.data.findings), savingsOf(event.data.findings), event.data.acceptedAt, event.data.acceptedBy],
        );
      case 'RecommendationApplied':
        return this.update(tx, id, revision, `applied_route_id = $3, applied_at = $4, applied_by = $5, updated_at = $4`, [
          event.data.routeId,
          event.data.appliedAt,
          event.data.appliedBy,
        ]);
      case 'RecommendationDismissed':
        return this.update(
          tx,
          id,
          revision,
          `status = 'dismissed', dismissed_at = $3, dismissed_by = $4, dismiss_reason = $5, updated_at = $3, accepted_at = NULL, accepted_by = NULL`,
          [event.data.dismissedAt, event.data.dismissedBy, event.data.reason],
        );
      case 'RecommendationResolved':
        return this.update(tx, id, revision, `status = 'resolved', resolved_at = $3, updated_at = $3`, [event.data.resolvedAt]);
      default:
        return assertUnreachable(event);
    }
  }

  private async update(tx: PoolClient, id: string, revision: number, set: string, values: unknown[]): Promise<void> {
    await tx.query(`UPDATE recommendations.recommendations SET ${set}, revision = $2 WHERE id = $1 AND revision < $2`, [
      id,
      revision,
      ...values,
    ]);
  }
}

function savingsOf(findings: RecommendationFindings): string | null {
  return findings.estimatedMonthlySavings?.amount ?? null;
}
