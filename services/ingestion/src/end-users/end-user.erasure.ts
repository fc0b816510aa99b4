import { Inject, Injectable } from '@nestjs/common';
import {
  erasedEndUser,
  ingestionStreams,
  type EndUserErasedData,
  type EndUserErasedResult,
  type EndUserPseudonym,
  type EndUserPseudonymRequest,
  type EraseEndUserRequest,
  type RequestContext,
} from '@llmlab/contracts';
import { organizationScope, projectScope } from '@llmlab/domain';
import type { EventStore } from '@llmlab/event-store';
import { EVENT_STORE, metadataFromContext, PG_POOL } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import { validationFailed } from '../ingestion.errors';
import { ROLLUP_METRICS } from '../read-models/usage-projection.repository';
import { EndUserPseudonyms, END_USERS_EXCLUSIVE_LOCK_SQL } from './end-user-pseudonyms';

const MAX_USER_ID = 256;

const ADD_METRICS = ROLLUP_METRICS.map((m) => `${m} = r.${m} + EXCLUDED.${m}`).join(', ');

/**
 * The end-user rollups of an id (by day, by month), moved to the marker: summed into the marker's row of the same
 * bucket when one exists (the end user came back after an earlier erasure), so totals never change. The months
 * moved are moved in the organization's months of end users too, this project's part only (the id's usage in the
 * organization's other projects is not erased), in key order as the projection adds to them.
 */
const rekeyRollupsSql = (table: string, organizationTable?: string) => `
WITH moved AS (
  DELETE FROM ingestion.${table} WHERE project_id = $1 AND user_id = $2 RETURNING *
)${
  organizationTable
    ? `, organization AS (
  INSERT INTO ingestion.${organizationTable} AS r (organization_id, bucket, user_id, ${ROLLUP_METRICS.join(', ')})
  SELECT m.organization_id, m.bucket, k.user_id, ${ROLLUP_METRICS.map((m) => `k.sign * m.${m}`).join(', ')}
  FROM moved m CROSS JOIN (VALUES ($2::text, -1), ($3::text, 1)) AS k(user_id, sign)
  ORDER BY m.organization_id, m.bucket, k.user_id
  ON CONFLICT (organization_id, bucket, user_id) DO UPDATE SET ${ADD_METRICS}
)`
    : ''
}
INSERT INTO ingestion.${table} AS r (organization_id, project_id, bucket, user_id, ${ROLLUP_METRICS.join(', ')})
SELECT organization_id, project_id, bucket, $3, ${ROLLUP_METRICS.join(', ')} FROM moved
ON CONFLICT (project_id, bucket, user_id) DO UPDATE SET ${ADD_METRICS}`;
const REKEY_ROLLUPS_SQL = [
  rekeyRollupsSql('usage_rollups_daily_users'),
  rekeyRollupsSql('usage_rollups_monthly_users', 'usage_rollups_org_monthly_users'),
];
/** The organization's months of the id with nothing left (it had usage in this project only), as the records have none. */
const PRUNE_ORGANIZATION_SQL =
  'DELETE FROM ingestion.usage_rollups_org_monthly_users WHERE organization_id = $1 AND user_id = $2 AND requests = 0';

/**
 * Erasure of an end user in a project (docs/security.md, "End users"): in one transaction holding the project's
 * end-user lock exclusively, the mapping of their pseudonym is deleted, their records, rollups and traces
 * are re-keyed to the erased marker, and their captured texts deleted; then `EndUserErased` (the pseudonym only)
 * is appended to `ingestion.end-users-<projectId>`. The ledger keeps only the pseudonym, so a rebuild of the read
 * models shows the marker too; costs and totals are untouched, and so is the event store's hash chain.
 */
@Injectable()
export class EndUserErasure {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly pseudonyms: EndUserPseudonyms,
  ) {}

  async erase(request: EraseEndUserRequest, context: RequestContext): Promise<EndUserErasedResult> {
    const scope = projectScope(context);
    const userId = checkedUserId(request.userId);
    const pseudonym = (await this.pseudonyms.of(scope.organizationId))(userId);
    const marker = erasedEndUser(pseudonym);
    const client = await this.pool.connect();
    let result: EndUserErasedResult;
    try {
      await client.query('BEGIN');
      await client.query(END_USERS_EXCLUSIVE_LOCK_SQL, [scope.projectId]);
      await client.query('DELETE FROM ingestion.end_users WHERE project_id = $1 AND pseudonym = $2', [scope.projectId, pseudonym]);
      const records = await client.query('UPDATE ingestion.usage_records SET user_id = $3 WHERE project_id = $1 AND user_id = $2', [
        scope.projectId,
        userId,
        marker,
      ]);
      for (const rekey of REKEY_ROLLUPS_SQL) await client.query(rekey, [scope.projectId, userId, marker]);
      await client.query(PRUNE_ORGANIZATION_SQL, [scope.organizationId, userId]);
      const traces = await client.query('UPDATE ingestion.traces SET user_id = $3 WHERE project_id = $1 AND user_id = $2', [
        scope.projectId,
        userId,
        marker,
      ]);
      const contents = await client.query('DELETE FROM ingestion.span_contents WHERE project_id = $1 AND user_id = $2', [
        scope.projectId,
        userId,
      ]);
      await client.query('COMMIT');
      this.pseudonyms.forget(scope.organizationId, scope.projectId, userId);
      result = { marker, records: records.rowCount ?? 0, traces: traces.rowCount ?? 0, contents: contents.rowCount ?? 0 };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    const data: EndUserErasedData = {
      organizationId: scope.organizationId,
      projectId: scope.projectId,
      endUser: pseudonym,
      records: result.records,
      traces: result.traces,
      contents: result.contents,
      erasedAt: new Date().toISOString(),
      erasedBy: context.actor ? `${context.actor.type}:${context.actor.id}` : 'system:system',
    };
    await this.store.appendToStream(
      ingestionStreams.endUsers(scope.projectId),
      [{ type: 'EndUserErased', data, metadata: metadataFromContext() }],
      { expectedRevision: 'any' },
    );
    return result;
  }

  /** The ledgers' pseudonym of an end user of the context's organization. */
  async pseudonym(request: EndUserPseudonymRequest, context: RequestContext): Promise<EndUserPseudonym> {
    const scope = organizationScope(context);
    return { endUser: (await this.pseudonyms.of(scope.organizationId))(checkedUserId(request.userId)) };
  }
}

function checkedUserId(userId: unknown): string {
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > MAX_USER_ID) {
    throw validationFailed([{ field: '/userId', message: `must be a string of 1 to ${MAX_USER_ID} characters` }]);
  }
  return userId;
}
