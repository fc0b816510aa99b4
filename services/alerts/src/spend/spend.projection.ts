import { firstOfEachId, openUsageRecords } from '@llmlab/crypto';
import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL, UsageLedgerKeyClient } from '@llmlab/service-kit';
import type {
  RecordedEvent,
  TracesEvaluatedData,
  UsageDetailExpiredData,
  UsageRecordData,
  UsageRecordedData,
  UsageRepricedData,
} from '@llmlab/contracts';
import { applyInTransaction } from '@llmlab/messaging';
import type { Pool, PoolClient } from 'pg';

export const SPEND_PROJECTION = { schema: 'alerts', projection: 'spend' } as const;

/**
 * Expands each row of `source` (organization_id, project_id, occurred_at, user_id, tags and the metric deltas)
 * into one row per scope it counts for (the organization, its project, its end user, each of its tags) and adds
 * them to the hourly aggregates. Recording and repricing share it: a correction is a row of cost and unpriced
 * deltas.
 */
function aggregateCte(source: string): string {
  return `scoped AS (
    SELECT s.organization_id, date_trunc('hour', s.occurred_at, 'UTC') AS hour, x.scope_type, x.scope_id, x.scope_value,
      s.cost, s.requests, s.errors, s.unpriced
    FROM ${source} s CROSS JOIN LATERAL (
      SELECT 'organization', '', ''
      UNION ALL SELECT 'project', s.project_id::text, ''
      UNION ALL SELECT 'end_user', s.user_id, '' WHERE s.user_id IS NOT NULL
      UNION ALL SELECT 'tag', t.key, t.value FROM jsonb_each_text(s.tags) AS t(key, value)
    ) AS x(scope_type, scope_id, scope_value)
  ),
  aggregated AS (
    INSERT INTO alerts.spend_hourly AS target (organization_id, scope_type, scope_id, scope_value, hour, cost, requests, errors, unpriced)
    SELECT organization_id, scope_type, scope_id, scope_value, hour, sum(cost), sum(requests), sum(errors), sum(unpriced)
    FROM scoped GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (organization_id, scope_type, scope_id, scope_value, hour) DO UPDATE SET
      cost = target.cost + EXCLUDED.cost, requests = target.requests + EXCLUDED.requests,
      errors = target.errors + EXCLUDED.errors, unpriced = target.unpriced + EXCLUDED.unpriced
  )`;
}

/**
 * Claims each event id for its project (the first copy counts, whatever the ledger repeats), keeps what a later
 * correction needs, and adds the claimed records to the aggregates: one statement per event.
 */
const RECORD_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb)
    AS r(event_id text, occurred_at timestamptz, provider text, model text, user_id text, tags jsonb, cost numeric, cost_status text, is_error boolean)
),
claimed AS (
  INSERT INTO alerts.usage_claims (project_id, event_id, organization_id, occurred_at, provider, model, user_id, tags, cost, cost_status)
  SELECT $3::uuid, event_id, $2::uuid, occurred_at, provider, model, user_id, tags, cost, cost_status FROM input
  ON CONFLICT DO NOTHING
  RETURNING event_id
),
src AS (
  SELECT $2::uuid AS organization_id, $3::uuid AS project_id, i.occurred_at, i.user_id, i.tags,
    coalesce(i.cost, 0) AS cost, 1::bigint AS requests, i.is_error::int::bigint AS errors, (i.cost_status = 'unpriced')::int::bigint AS unpriced
  FROM input i JOIN claimed c ON c.event_id = i.event_id
),
${aggregateCte('src')}
SELECT count(*)::int AS counted FROM src`;

/**
 * Applies corrections as the difference with the cost this service counted (not the one the event says was
 * there), so a correction applied twice, or overtaken by a later one, adds nothing. Explicit costs are never
 * repriced.
 */
const REPRICE_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS c(event_id text, cost numeric, cost_status text)
),
old AS (
  SELECT u.organization_id, u.project_id, u.event_id, u.occurred_at, u.user_id, u.tags,
    u.cost AS old_cost, u.cost_status AS old_status, i.cost AS new_cost, i.cost_status AS new_status
  FROM input i JOIN alerts.usage_claims u ON u.project_id = $2::uuid AND u.event_id = i.event_id
  WHERE u.cost_status <> 'override' AND (u.cost IS DISTINCT FROM i.cost OR u.cost_status <> i.cost_status)
),
updated AS (
  UPDATE alerts.usage_claims u SET cost = o.new_cost, cost_status = o.new_status
  FROM old o WHERE u.project_id = o.project_id AND u.event_id = o.event_id
),
src AS (
  SELECT organization_id, project_id, occurred_at, user_id, tags,
    coalesce(new_cost, 0) - coalesce(old_cost, 0) AS cost, 0::bigint AS requests, 0::bigint AS errors,
    ((new_status = 'unpriced')::int - (old_status = 'unpriced')::int)::bigint AS unpriced
  FROM old
),
${aggregateCte('src')}
SELECT count(*)::int AS counted FROM old`;

/**
 * The latest outcome of each evaluated trace: a trace evaluated again (a late span arrived) replaces its row, so
 * it counts once, in the hour of its latest evaluation. Only a later evaluation replaces an earlier one.
 */
const TRACE_OUTCOMES_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(trace_id text, flags text[])
),
written AS (
  INSERT INTO alerts.trace_outcomes AS target (project_id, trace_id, organization_id, evaluated_at, flags)
  SELECT DISTINCT ON (trace_id) $3::uuid, trace_id, $2::uuid, $4::timestamptz, flags FROM input
  ON CONFLICT (project_id, trace_id) DO UPDATE SET evaluated_at = EXCLUDED.evaluated_at, flags = EXCLUDED.flags
    WHERE target.evaluated_at <= EXCLUDED.evaluated_at
  RETURNING 1
)
SELECT count(*)::int AS counted FROM written`;

/**
 * Claims of usage past the organization's retention keep the event id, time, model and cost (dedup and the hourly
 * aggregates need no more), and lose the end user and the tags (docs/security.md, "Retention of usage detail").
 */
const EXPIRE_CLAIMS_SQL = `UPDATE alerts.usage_claims SET user_id = NULL, tags = '{}'
  WHERE organization_id = $1 AND occurred_at < $2 AND (user_id IS NOT NULL OR tags <> '{}'::jsonb)`;

/** What an applied event changed, for the evaluator: which organization, and whether anything was counted. */
export interface SpendChange {
  organizationId: string;
  counted: number;
}

/**
 * The alerts service's own view of usage, fed by `events.ingestion.>` in order: hourly cost, requests, errors and
 * unpriced records per organization, project, tag value and end user, and the outcome of each evaluated trace.
 * Each event commits with the projection's checkpoint (a redelivery changes nothing); it never reads the
 * ingestion schema.
 */
@Injectable()
export class SpendProjection {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly ledgerKeys: UsageLedgerKeyClient,
  ) {}

  /** Resolves with what changed, or undefined for an event at or below the checkpoint, or of another kind. */
  async apply(event: RecordedEvent): Promise<SpendChange | undefined> {
    // Opened before the transaction (the keys may be asked of ingestion); a month past retention reads as none.
    const records =
      event.type === 'UsageRecorded' ? (await openUsageRecords(event.data as UsageRecordedData, this.ledgerKeys)).records : [];
    let change: SpendChange | undefined;
    await applyInTransaction(this.pool, SPEND_PROJECTION, event, async (tx) => {
      change = await this.write(tx, event, records);
    });
    return change;
  }

  private async write(tx: PoolClient, event: RecordedEvent, records: readonly UsageRecordData[]): Promise<SpendChange | undefined> {
    switch (event.type) {
      case 'UsageRecorded': {
        const data = event.data as UsageRecordedData;
        const { rows } = await tx.query<{ counted: number }>(RECORD_SQL, [
          JSON.stringify(firstOfEachId(records).map(toClaimRow)),
          data.organizationId,
          data.projectId,
        ]);
        return { organizationId: data.organizationId, counted: rows[0].counted };
      }
      case 'UsageRepriced': {
        const data = event.data as UsageRepricedData;
        const corrections = data.corrections.map((c) => ({ event_id: c.eventId, cost: c.current.amount, cost_status: c.current.status }));
        const { rows } = await tx.query<{ counted: number }>(REPRICE_SQL, [JSON.stringify(corrections), data.projectId]);
        return { organizationId: data.organizationId, counted: rows[0].counted };
      }
      case 'TracesEvaluated': {
        const data = event.data as TracesEvaluatedData;
        const outcomes = data.traces.map((t) => ({ trace_id: t.traceId, flags: [...new Set(t.flags.map((f) => f.type))].sort() }));
        const { rows } = await tx.query<{ counted: number }>(TRACE_OUTCOMES_SQL, [
          JSON.stringify(outcomes),
          data.organizationId,
          data.projectId,
          data.evaluatedAt,
        ]);
        return { organizationId: data.organizationId, counted: rows[0].counted };
      }
      case 'UsageDetailExpired': {
        // The organization's usage detail past its retention: the claims keep what dedup needs, not who or what for.
        const data = event.data as UsageDetailExpiredData;
        await tx.query(EXPIRE_CLAIMS_SQL, [data.organizationId, data.cutoff]);
        await tx.query('DELETE FROM alerts.trace_outcomes WHERE organization_id = $1 AND evaluated_at < $2', [
          data.organizationId,
          data.cutoff,
        ]);
        return undefined;
      }
      default:
        // Pricing events and whatever else the ingestion context adds later are not usage.
        return undefined;
    }
  }
}

function toClaimRow(record: UsageRecordData) {
  return {
    event_id: record.id,
    occurred_at: record.timestamp,
    provider: record.provider,
    model: record.model,
    // The ledger's keyed pseudonym (contracts' end-users.ts); ledgers written before pseudonyms carry the id.
    user_id: record.endUser ?? record.userId ?? null,
    tags: record.tags ?? {},
    cost: record.cost.amount,
    cost_status: record.cost.status,
    is_error: record.status === 'error',
  };
}
