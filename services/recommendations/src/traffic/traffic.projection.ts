import { firstOfEachId, openUsageRecords } from '@llmlab/crypto';
import { Inject, Injectable } from '@nestjs/common';
import type {
  RecordedEvent,
  TracesEvaluatedData,
  UsageDetailExpiredData,
  UsageRecordData,
  UsageRecordedData,
  UsageRepricedData,
} from '@llmlab/contracts';
import { applyInTransaction } from '@llmlab/messaging';
import { PG_POOL, UsageLedgerKeyClient } from '@llmlab/service-kit';
import { isUuid } from '@llmlab/domain';
import type { Pool, PoolClient } from 'pg';

export const TRAFFIC_PROJECTION = { schema: 'recommendations', projection: 'traffic' } as const;

/** The tag whose value names a call's feature (`tags.feature`), the scope recommendations are given in. */
export const FEATURE_TAG = 'feature';
/** A call whose sender can wait for its answer says so with `tags: { latency: 'batch' }`. */
export const LATENCY_TAG = 'latency';
/** Buckets of the token histograms: 0 tokens, then [2^(b-1), 2^b) for b = 1..20, the last one open-ended. */
export const TOKEN_BUCKETS = 22;

/** The histogram bucket of a token count (see `TOKEN_BUCKETS`). */
export function tokenBucket(tokens: number): number {
  if (tokens <= 0) return 0;
  return Math.min(TOKEN_BUCKETS - 1, Math.floor(Math.log2(tokens)) + 1);
}

/**
 * Claims each event id for its project (the first copy counts, whatever the ledger repeats), keeps what a later
 * correction needs, and adds the claimed calls to the daily traffic and, for calls with a prompt-prefix
 * fingerprint, to their prefix's day: one statement per event.
 */
const RECORD_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(
    event_id text, day date, provider text, model text, feature text, prefix_hash text, prefix_tokens bigint, prefix_tools int,
    is_error boolean, with_user boolean, batch_tagged boolean, input_tokens bigint, cached_input_tokens bigint, cache_write_tokens bigint,
    output_tokens bigint, reasoning_tokens bigint, cost numeric, cost_status text, output_bucket int, input_bucket int, hour int, route_id uuid,
    fallback boolean, cache_hit boolean, cache_saved numeric)
),
claimed AS (
  INSERT INTO recommendations.usage_claims (project_id, event_id, organization_id, day, provider, model, feature, prefix_hash, is_error, cost,
    cost_status, route_id)
  SELECT $3::uuid, event_id, $2::uuid, day, provider, model, feature, prefix_hash, is_error, cost, cost_status, route_id FROM input
  ON CONFLICT DO NOTHING
  RETURNING event_id
),
src AS (SELECT i.* FROM input i JOIN claimed c ON c.event_id = i.event_id),
traffic AS (
  INSERT INTO recommendations.traffic_daily AS t (organization_id, project_id, provider, model, feature, day, calls, errors,
    with_user, with_tools, batch_tagged, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost,
    error_cost, unpriced, output_buckets, input_buckets, hour_buckets)
  SELECT $2::uuid, $3::uuid, provider, model, feature, day, count(*), count(*) FILTER (WHERE is_error),
    count(*) FILTER (WHERE with_user), count(*) FILTER (WHERE prefix_tools > 0), count(*) FILTER (WHERE batch_tagged),
    sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens), sum(output_tokens), sum(reasoning_tokens),
    coalesce(sum(cost), 0), coalesce(sum(cost) FILTER (WHERE is_error), 0), count(*) FILTER (WHERE cost_status = 'unpriced'),
    recommendations.sum_buckets(recommendations.one_hot(output_bucket, ${TOKEN_BUCKETS})),
    recommendations.sum_buckets(recommendations.one_hot(input_bucket, ${TOKEN_BUCKETS})),
    recommendations.sum_buckets(recommendations.one_hot(hour, 24))
  FROM src GROUP BY provider, model, feature, day
  ON CONFLICT (organization_id, project_id, provider, model, feature, day) DO UPDATE SET
    calls = t.calls + EXCLUDED.calls, errors = t.errors + EXCLUDED.errors,
    with_user = t.with_user + EXCLUDED.with_user, with_tools = t.with_tools + EXCLUDED.with_tools,
    batch_tagged = t.batch_tagged + EXCLUDED.batch_tagged,
    input_tokens = t.input_tokens + EXCLUDED.input_tokens, cached_input_tokens = t.cached_input_tokens + EXCLUDED.cached_input_tokens,
    cache_write_tokens = t.cache_write_tokens + EXCLUDED.cache_write_tokens, output_tokens = t.output_tokens + EXCLUDED.output_tokens,
    reasoning_tokens = t.reasoning_tokens + EXCLUDED.reasoning_tokens, cost = t.cost + EXCLUDED.cost,
    error_cost = t.error_cost + EXCLUDED.error_cost, unpriced = t.unpriced + EXCLUDED.unpriced,
    output_buckets = recommendations.add_buckets(t.output_buckets, EXCLUDED.output_buckets),
    input_buckets = recommendations.add_buckets(t.input_buckets, EXCLUDED.input_buckets),
    hour_buckets = recommendations.add_buckets(t.hour_buckets, EXCLUDED.hour_buckets)
),
prefixes AS (
  INSERT INTO recommendations.prefix_daily AS p (organization_id, project_id, provider, model, prefix_hash, day, calls,
    prefix_tokens, tools, input_tokens, cached_input_tokens, cache_write_tokens, cost)
  SELECT $2::uuid, $3::uuid, provider, model, prefix_hash, day, count(*), max(prefix_tokens), max(prefix_tools),
    sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens), coalesce(sum(cost), 0)
  FROM src WHERE prefix_hash IS NOT NULL GROUP BY provider, model, prefix_hash, day
  ON CONFLICT (organization_id, project_id, provider, model, prefix_hash, day) DO UPDATE SET
    calls = p.calls + EXCLUDED.calls, prefix_tokens = GREATEST(p.prefix_tokens, EXCLUDED.prefix_tokens),
    tools = GREATEST(p.tools, EXCLUDED.tools), input_tokens = p.input_tokens + EXCLUDED.input_tokens,
    cached_input_tokens = p.cached_input_tokens + EXCLUDED.cached_input_tokens,
    cache_write_tokens = p.cache_write_tokens + EXCLUDED.cache_write_tokens, cost = p.cost + EXCLUDED.cost
),
routes AS (
  INSERT INTO recommendations.route_daily AS r (organization_id, project_id, route_id, day, calls, input_tokens, cached_input_tokens,
    cache_write_tokens, output_tokens, reasoning_tokens, cost, errors, fallbacks, cache_hits, cache_saved)
  SELECT $2::uuid, $3::uuid, route_id, day, count(*), sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens),
    sum(output_tokens), sum(reasoning_tokens), coalesce(sum(cost), 0), count(*) FILTER (WHERE is_error), count(*) FILTER (WHERE fallback),
    count(*) FILTER (WHERE cache_hit), coalesce(sum(cache_saved) FILTER (WHERE cache_hit), 0)
  FROM src WHERE route_id IS NOT NULL GROUP BY route_id, day
  ON CONFLICT (organization_id, project_id, route_id, day) DO UPDATE SET
    calls = r.calls + EXCLUDED.calls, input_tokens = r.input_tokens + EXCLUDED.input_tokens,
    cached_input_tokens = r.cached_input_tokens + EXCLUDED.cached_input_tokens,
    cache_write_tokens = r.cache_write_tokens + EXCLUDED.cache_write_tokens, output_tokens = r.output_tokens + EXCLUDED.output_tokens,
    reasoning_tokens = r.reasoning_tokens + EXCLUDED.reasoning_tokens, cost = r.cost + EXCLUDED.cost,
    errors = r.errors + EXCLUDED.errors, fallbacks = r.fallbacks + EXCLUDED.fallbacks, cache_hits = r.cache_hits + EXCLUDED.cache_hits,
    cache_saved = r.cache_saved + EXCLUDED.cache_saved
)
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
  SELECT u.organization_id, u.project_id, u.event_id, u.day, u.provider, u.model, u.feature, u.prefix_hash, u.is_error, u.route_id,
    coalesce(i.cost, 0) - coalesce(u.cost, 0) AS delta, i.cost AS new_cost, i.cost_status AS new_status,
    ((i.cost_status = 'unpriced')::int - (u.cost_status = 'unpriced')::int)::bigint AS unpriced
  FROM input i JOIN recommendations.usage_claims u ON u.project_id = $2::uuid AND u.event_id = i.event_id
  WHERE u.cost_status <> 'override' AND (u.cost IS DISTINCT FROM i.cost OR u.cost_status <> i.cost_status)
),
updated AS (
  UPDATE recommendations.usage_claims u SET cost = o.new_cost, cost_status = o.new_status
  FROM old o WHERE u.project_id = o.project_id AND u.event_id = o.event_id
),
traffic AS (
  UPDATE recommendations.traffic_daily t SET cost = t.cost + d.delta, error_cost = t.error_cost + d.error_delta, unpriced = t.unpriced + d.unpriced
  FROM (SELECT organization_id, project_id, provider, model, feature, day, sum(delta) AS delta,
      coalesce(sum(delta) FILTER (WHERE is_error), 0) AS error_delta, sum(unpriced) AS unpriced
    FROM old GROUP BY 1, 2, 3, 4, 5, 6) d
  WHERE t.organization_id = d.organization_id AND t.project_id = d.project_id AND t.provider = d.provider
    AND t.model = d.model AND t.feature = d.feature AND t.day = d.day
),
prefixes AS (
  UPDATE recommendations.prefix_daily p SET cost = p.cost + d.delta
  FROM (SELECT organization_id, project_id, provider, model, prefix_hash, day, sum(delta) AS delta
    FROM old WHERE prefix_hash IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6) d
  WHERE p.organization_id = d.organization_id AND p.project_id = d.project_id AND p.provider = d.provider
    AND p.model = d.model AND p.prefix_hash = d.prefix_hash AND p.day = d.day
),
routes AS (
  UPDATE recommendations.route_daily r SET cost = r.cost + d.delta
  FROM (SELECT organization_id, project_id, route_id, day, sum(delta) AS delta
    FROM old WHERE route_id IS NOT NULL GROUP BY 1, 2, 3, 4) d
  WHERE r.organization_id = d.organization_id AND r.project_id = d.project_id AND r.route_id = d.route_id AND r.day = d.day
)
SELECT count(*)::int AS counted FROM old`;

/** A trace evaluated again (a late span) replaces its verdict; only a later evaluation replaces an earlier one. */
const TRACE_OUTCOMES_SQL = `
INSERT INTO recommendations.trace_outcomes AS target (project_id, trace_id, organization_id, name, evaluated_at, flags, cost)
SELECT DISTINCT ON (trace_id) $3::uuid, trace_id, $2::uuid, name, $4::timestamptz, flags, cost
FROM jsonb_to_recordset($1::jsonb) AS t(trace_id text, name text, flags text[], cost numeric)
ON CONFLICT (project_id, trace_id) DO UPDATE SET name = EXCLUDED.name, evaluated_at = EXCLUDED.evaluated_at,
  flags = EXCLUDED.flags, cost = EXCLUDED.cost
  WHERE target.evaluated_at <= EXCLUDED.evaluated_at`;

/**
 * Claims of usage on days wholly past the organization's retention keep the event id, day, model and cost (dedup and
 * the daily aggregates need no more), and lose the feature and the prompt-prefix fingerprint (docs/security.md,
 * "Retention of usage detail").
 */
const EXPIRE_CLAIMS_SQL = `UPDATE recommendations.usage_claims SET feature = '', prefix_hash = NULL
  WHERE organization_id = $1 AND day < ($2::timestamptz AT TIME ZONE 'UTC')::date AND (feature <> '' OR prefix_hash IS NOT NULL)`;

/** What an applied event changed: which organization and project, and whether anything was counted. */
export interface TrafficChange {
  organizationId: string;
  projectId: string;
  counted: number;
}

/**
 * The recommendations service's own view of traffic, fed by `events.ingestion.>` in order: usage recorded and
 * repriced, and the failure detectors' verdicts on traces. Each event commits with the projection's checkpoint
 * (a redelivery changes nothing); it never reads the ingestion schema.
 */
@Injectable()
export class TrafficProjection {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly ledgerKeys: UsageLedgerKeyClient,
  ) {}

  /** Resolves with what changed, or undefined for an event at or below the checkpoint, or of another kind. */
  async apply(event: RecordedEvent): Promise<TrafficChange | undefined> {
    // Opened before the transaction (the keys may be asked of ingestion); a month past retention reads as none.
    const records =
      event.type === 'UsageRecorded' ? (await openUsageRecords(event.data as UsageRecordedData, this.ledgerKeys)).records : [];
    let change: TrafficChange | undefined;
    await applyInTransaction(this.pool, TRAFFIC_PROJECTION, event, async (tx) => {
      change = await this.write(tx, event, records);
    });
    return change;
  }

  private async write(tx: PoolClient, event: RecordedEvent, records: readonly UsageRecordData[]): Promise<TrafficChange | undefined> {
    switch (event.type) {
      case 'UsageRecorded': {
        const data = event.data as UsageRecordedData;
        const rows = firstOfEachId(records).map(toTrafficRow);
        const { rows: result } = await tx.query<{ counted: number }>(RECORD_SQL, [
          JSON.stringify(rows),
          data.organizationId,
          data.projectId,
        ]);
        return { organizationId: data.organizationId, projectId: data.projectId, counted: result[0].counted };
      }
      case 'UsageRepriced': {
        const data = event.data as UsageRepricedData;
        const corrections = data.corrections.map((c) => ({ event_id: c.eventId, cost: c.current.amount, cost_status: c.current.status }));
        const { rows } = await tx.query<{ counted: number }>(REPRICE_SQL, [JSON.stringify(corrections), data.projectId]);
        return { organizationId: data.organizationId, projectId: data.projectId, counted: rows[0].counted };
      }
      case 'TracesEvaluated': {
        const data = event.data as TracesEvaluatedData;
        const outcomes = data.traces.map((t) => ({
          trace_id: t.traceId,
          name: t.name,
          flags: [...new Set(t.flags.map((f) => f.type))].sort(),
          cost: t.cost.amount,
        }));
        const { rowCount } = await tx.query(TRACE_OUTCOMES_SQL, [
          JSON.stringify(outcomes),
          data.organizationId,
          data.projectId,
          data.evaluatedAt,
        ]);
        return { organizationId: data.organizationId, projectId: data.projectId, counted: rowCount ?? 0 };
      }
      case 'UsageDetailExpired': {
        // The organization's usage detail past its retention: the claims keep what dedup needs, not what for.
        const data = event.data as UsageDetailExpiredData;
        await tx.query(EXPIRE_CLAIMS_SQL, [data.organizationId, data.cutoff]);
        await tx.query('DELETE FROM recommendations.trace_outcomes WHERE organization_id = $1 AND evaluated_at < $2', [
          data.organizationId,
          data.cutoff,
        ]);
        return undefined;
      }
      default:
        // Spans, pricing and import events are not traffic.
        return undefined;
    }
  }
}

function toTrafficRow(record: UsageRecordData) {
  const usage = record.usage;
  return {
    event_id: record.id,
    day: record.timestamp.slice(0, 10),
    provider: record.provider,
    model: record.model,
    feature: record.tags[FEATURE_TAG] ?? '',
    prefix_hash: record.promptPrefix?.hash ?? null,
    prefix_tokens: record.promptPrefix?.tokens ?? null,
    prefix_tools: record.promptPrefix?.tools ?? 0,
    is_error: record.status === 'error',
    with_user: record.endUser !== undefined || record.userId !== undefined,
    batch_tagged: record.tags[LATENCY_TAG] === 'batch',
    input_tokens: usage.inputTokens,
    cached_input_tokens: usage.cachedInputTokens ?? 0,
    cache_write_tokens: usage.cacheWriteTokens ?? 0,
    output_tokens: usage.outputTokens,
    reasoning_tokens: usage.reasoningTokens ?? 0,
    cost: record.cost.amount,
    cost_status: record.cost.status,
    output_bucket: tokenBucket(usage.outputTokens),
    input_bucket: tokenBucket(usage.inputTokens),
    hour: Number(record.timestamp.slice(11, 13)),
    ...routeOf(record),
  };
}

/**
 * What one cache hit can have saved: a decimal of at most 6 integer and 12 fraction digits, as the proxy writes one
 * (the cost of one call, below a million dollars at any real price). Anything else counts as none: the metadata is
 * the caller's to send too, and a route's savings should not read a forged `1e400` or a billion. (The column holds
 * any sum; before it did, the bound also kept a forged amount from overflowing it.)
 */
const AMOUNT = /^\d{1,6}(\.\d{1,12})?$/;

interface ProxyMetadata {
  route?: { routeId?: unknown; targets?: unknown };
  cache?: { hit?: unknown; saved?: unknown; currency?: unknown };
}

/**
 * The proxy route that served the call (`metadata.proxy.route.routeId`, none unless a UUID) and how: by a target after
 * the first (`route.targets`, the first `answered` one), or from the route's cache, with what the replayed call had
 * cost (`cache.saved`, USD). Read once per record, whatever the caller put there.
 */
function routeOf(record: UsageRecordData): { route_id: string | null; fallback: boolean; cache_hit: boolean; cache_saved: string | null } {
  const proxy = (record.metadata as { proxy?: ProxyMetadata } | undefined)?.proxy;
  const id = proxy?.route?.routeId;
  const targets = Array.isArray(proxy?.route?.targets) ? (proxy.route.targets as { result?: unknown }[]) : [];
  const cache = proxy?.cache;
  const hit = cache?.hit === true;
  return {
    route_id: isUuid(id) ? id.toLowerCase() : null,
    fallback: targets.findIndex((t) => t?.result === 'answered') > 0,
    cache_hit: hit,
    cache_saved:
      hit && typeof cache.saved === 'string' && AMOUNT.test(cache.saved) && (cache.currency ?? 'USD') === 'USD' ? cache.saved : null,
  };
}
