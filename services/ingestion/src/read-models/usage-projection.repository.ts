import { endUserOf } from '../end-users/end-user-pseudonyms';
import type { CatalogEntryData, PriceCatalogRefreshedData, UsageRecordData, UsageRepricedData } from '@llmlab/contracts';
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { arrayLiteral } from '@llmlab/persistence';
import type { RepriceScope } from '../repricing/reprice-scopes';

/** Sums every rollup keeps, in this order. */
export const ROLLUP_METRICS = [
  'requests',
  'errors',
  'unpriced',
  'input_tokens',
  'output_tokens',
  'cached_input_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cost',
  'latency_ms_sum',
] as const;
export type RollupMetric = (typeof ROLLUP_METRICS)[number];

type Grain = 'hour' | 'day' | 'month';

/** Rollups summing the same dimensions of the records, at their finest grain (each rollup's bucket is coarser or the same). */
interface Family {
  name: string;
  grain: Grain;
  /** Dimension column → expression over the source rows. */
  dimensions: [string, string][];
  /** FROM clause when the source rows must be expanded (one row per tag). */
  from?: (source: string) => string;
}

const MODEL: Family = {
  name: 'model',
  grain: 'hour',
  dimensions: [
    ['provider', 'provider'],
    ['model', 'model'],
  ],
};
const USER: Family = { name: 'user', grain: 'day', dimensions: [['user_id', "coalesce(user_id, '')"]] };
const TAG: Family = {
  name: 'tag',
  grain: 'hour',
  dimensions: [
    ['tag_key', 'tag.key'],
    ['tag_value', 'tag.value'],
  ],
  from: (source) => `${source} CROSS JOIN LATERAL jsonb_each_text(${source}.tags) AS tag(key, value)`,
};
const FAMILIES = [MODEL, USER, TAG];

const PROJECT = ['organization_id', 'project_id'];
const ORGANIZATION = ['organization_id'];

interface Rollup {
  table: string;
  family: Family;
  /** The table's tenant columns: an organization's rollups have no project dimension. */
  tenant: string[];
  grain: Grain;
  conflict: string;
}

/**
 * Every rollup the projection keeps. The project's rollups answer a project's queries and any grouping by project;
 * the organization's (no project dimension) answer an organization's summary and its breakdowns by provider, model,
 * day, hour and tag from a fiftieth of the rows for 100 projects, and its end users by the month rank them over a
 * month from one row per user (the projects' months of end users rank a project's; docs/query-plans.md).
 */
export const ROLLUPS: readonly Rollup[] = [
  { table: 'usage_rollups_hourly', family: MODEL, tenant: PROJECT, grain: 'hour', conflict: 'project_id, bucket, provider, model' },
  { table: 'usage_rollups_daily', family: MODEL, tenant: PROJECT, grain: 'day', conflict: 'project_id, bucket, provider, model' },
  { table: 'usage_rollups_daily_users', family: USER, tenant: PROJECT, grain: 'day', conflict: 'project_id, bucket, user_id' },
  { table: 'usage_rollups_monthly_users', family: USER, tenant: PROJECT, grain: 'month', conflict: 'project_id, bucket, user_id' },
  { table: 'usage_rollups_hourly_tags', family: TAG, tenant: PROJECT, grain: 'hour', conflict: 'project_id, tag_key, bucket, tag_value' },
  { table: 'usage_rollups_daily_tags', family: TAG, tenant: PROJECT, grain: 'day', conflict: 'project_id, tag_key, bucket, tag_value' },
  {
    table: 'usage_rollups_org_hourly',
    family: MODEL,
    tenant: ORGANIZATION,
    grain: 'hour',
    conflict: 'organization_id, bucket, provider, model',
  },
  {
    table: 'usage_rollups_org_daily',
    family: MODEL,
    tenant: ORGANIZATION,
    grain: 'day',
    conflict: 'organization_id, bucket, provider, model',
  },
  {
    table: 'usage_rollups_org_daily_tags',
    family: TAG,
    tenant: ORGANIZATION,
    grain: 'day',
    conflict: 'organization_id, tag_key, bucket, tag_value',
  },
  {
    table: 'usage_rollups_org_monthly_users',
    family: USER,
    tenant: ORGANIZATION,
    grain: 'month',
    conflict: 'organization_id, bucket, user_id',
  },
];

/** A rollup's bucket of a record. */
export const bucketOf = (grain: Grain, column = 'occurred_at') => `date_trunc('${grain}', ${column}, 'UTC')`;

/**
 * Data-modifying CTEs adding the rows of `source` to every rollup. `source` has organization_id, project_id,
 * occurred_at, provider, model, user_id, tags and the metrics as deltas (a new record: 1 request and its counts; a
 * correction: only the cost and unpriced differences), so recording and repricing share one statement shape. The
 * source is summed once per family (by model, user or tag, at the family's finest grain, the tags expanded once),
 * and each rollup sums those few rows again by its own bucket and tenant. Rows are upserted in key order: two
 * transactions adding to the same rows (an organization's, or a month's of an end user) lock them in the same order
 * and wait for each other instead of deadlocking.
 */
export function rollupCtes(source: string): string {
  const families = FAMILIES.map((family) => {
    const keys = [...PROJECT, `${bucketOf(family.grain)} AS bucket`, ...family.dimensions.map(([column, expr]) => `${expr} AS ${column}`)];
    const sums = ROLLUP_METRICS.map((m) => (m === 'latency_ms_sum' ? 'coalesce(sum(latency_ms), 0)' : `sum(${m})`) + ` AS ${m}`);
    return `by_${family.name} AS (
      SELECT ${[...keys, ...sums].join(', ')} FROM ${family.from ? family.from(source) : source}
      GROUP BY ${keys.map((_, n) => n + 1).join(', ')}
    )`;
  });
  const rollups = ROLLUPS.map((rollup, i) => {
    const keys = [...rollup.tenant, bucketOf(rollup.grain, 'bucket'), ...rollup.family.dimensions.map(([column]) => column)];
    const columns = [...rollup.tenant, 'bucket', ...rollup.family.dimensions.map(([column]) => column), ...ROLLUP_METRICS].join(', ');
    const groupBy = keys.map((_, n) => n + 1).join(', ');
    const updates = ROLLUP_METRICS.map((m) => `${m} = target.${m} + EXCLUDED.${m}`).join(', ');
    return `rollup_${i} AS (
      INSERT INTO ingestion.${rollup.table} AS target (${columns})
      SELECT ${[...keys, ...ROLLUP_METRICS.map((m) => `sum(${m})`)].join(', ')} FROM by_${rollup.family.name}
      GROUP BY ${groupBy} ORDER BY ${groupBy}
      ON CONFLICT (${rollup.conflict}) DO UPDATE SET ${updates}
    )`;
  });
  return [...families, ...rollups].join(',\n');
}

const COUNT_COLUMNS = [
  'input_tokens',
  'output_tokens',
  'cached_input_tokens',
  'cache_write_tokens',
  'cache_write_1h_tokens',
  'reasoning_tokens',
  'input_audio_tokens',
  'cached_input_audio_tokens',
  'output_audio_tokens',
  'input_image_tokens',
  'cached_input_image_tokens',
  'output_image_tokens',
] as const;

const RECORD_COLUMNS = [
  'event_id text',
  'occurred_at timestamptz',
  'provider text',
  'model text',
  'status text',
  'error_type text',
  'latency_ms integer',
  'user_id text',
  'trace_id text',
  'span_id text',
  'tags jsonb',
  'metadata jsonb',
  ...COUNT_COLUMNS.map((c) => `${c} bigint`),
  'cost numeric',
  'cost_status text',
  'price_entry_id text',
  'price_origin text',
];

const INPUT_NAMES = RECORD_COLUMNS.map((c) => c.split(' ')[0]);

/** What the records bring to their trace only (the usage records do not keep them). */
const TRACE_COLUMNS = ['parent_span_id text', 'session_id text'];

/** What each `UsageRecorded` event of a run brings to its records (one array element per event). */
const EVENT_COLUMNS = [
  'organization_id uuid',
  'project_id uuid',
  'received_at timestamptz',
  'batch_id uuid',
  'api_key_id uuid',
  'recorded_position bigint',
  'stale boolean',
  'catalog_revision bigint',
  'overrides_revision bigint',
  'imported boolean',
  'recorded_at timestamptz',
].map((c) => {
  const [name, type] = c.split(' ');
  return { name, type };
});

/**
 * The records as one typed array per column, unnested side by side after the events' arrays and each record's
 * event (its index in the run): PostgreSQL reads arrays of a column's type about twice as fast as it takes rows out
 * of one JSON document (jsonb_to_recordset was a third of this statement's time under bench:ingest).
 */
const INPUT_COLUMNS = [...RECORD_COLUMNS, ...TRACE_COLUMNS].map((c) => {
  const [name, type] = c.split(' ');
  return { name, type };
});
const FIRST_RECORD_PARAM = EVENT_COLUMNS.length + 2;
const EVENT_INPUT = `unnest(${EVENT_COLUMNS.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ')})
    WITH ORDINALITY AS e(${EVENT_COLUMNS.map((c) => c.name).join(', ')}, ev)`;
const RECORD_INPUT = `unnest($${EVENT_COLUMNS.length + 1}::bigint[], ${INPUT_COLUMNS.map((c, i) => `$${FIRST_RECORD_PARAM + i}::${c.type}[]`).join(', ')})
    WITH ORDINALITY AS r(ev, ${INPUT_COLUMNS.map((c) => c.name).join(', ')}, ord)`;

/**
 * One statement per run of `UsageRecorded` events, whatever their number (each round trip of the projection's
 * transaction waits for a turn of an event loop the ingest consumer keeps busy). In the run's order, as if each event
 * were applied alone: claim the event ids (the first claim per project wins, whatever happened upstream; of copies
 * within the run only the first is passed in; an imported record must also not be in the records already, since its
 * first copy's claim may have been pruned), then claim the spans of the records naming a trace and a span (a second
 * record of the same model call, under another id, is a duplicate: docs/traces.md, "Counted once"), insert the
 * records that won their claims, add them to every rollup, and queue them for repricing when they were priced with
 * prices older than the projection has seen. The records of a trace add to it, and a record naming a span hangs a
 * `usage` span under its parent when the trace has no span of that id yet (an OTLP span of that id takes the record's
 * figures, the last record's). Everything commits with the projection checkpoint. Returns the records written per
 * event.
 */
const RECORD_USAGE_SQL = `
WITH events AS (
  SELECT * FROM ${EVENT_INPUT}
),
input AS (
  SELECT ${EVENT_COLUMNS.map((c) => `e.${c.name}`).join(', ')}, r.*
  FROM ${RECORD_INPUT}
  JOIN events e ON e.ev = r.ev
),
claimed AS (
  INSERT INTO ingestion.usage_event_claims (project_id, event_id, occurred_at)
  SELECT project_id, event_id, occurred_at FROM input i
  WHERE NOT i.imported OR NOT EXISTS (
    SELECT 1 FROM ingestion.usage_records r WHERE r.project_id = i.project_id AND r.occurred_at = i.occurred_at AND r.event_id = i.event_id
  )
  ON CONFLICT DO NOTHING
  RETURNING project_id, event_id
),
won AS (
  SELECT i.* FROM input i WHERE (i.project_id, i.event_id) IN (SELECT project_id, event_id FROM claimed)
),
span_claimed AS (
  INSERT INTO ingestion.usage_span_claims (project_id, trace_id, span_id, event_id, occurred_at)
  SELECT DISTINCT ON (project_id, trace_id, span_id) project_id, trace_id, span_id, event_id, occurred_at
  FROM won WHERE trace_id IS NOT NULL AND span_id IS NOT NULL
  ORDER BY project_id, trace_id, span_id, ord
  ON CONFLICT DO NOTHING
  RETURNING project_id, trace_id, span_id, event_id
),
src AS (
  INSERT INTO ingestion.usage_records (organization_id, project_id, received_at, batch_id, api_key_id, recorded_position, ${INPUT_NAMES.join(', ')})
  SELECT i.organization_id, i.project_id, i.received_at, i.batch_id, i.api_key_id, i.recorded_position, ${INPUT_NAMES.map((n) => `i.${n}`).join(', ')}
  FROM won i
  WHERE i.trace_id IS NULL OR i.span_id IS NULL
    OR EXISTS (SELECT 1 FROM span_claimed s WHERE s.project_id = i.project_id AND s.event_id = i.event_id)
    -- Usage events sharing a span (several calls reported under one enclosing span) are each a call; only the model
    -- call an OpenTelemetry span reported (its id \`otel:…\`) is the same call as a usage event naming that span,
    -- whether its claim was made before this run or earlier in it.
    OR (i.event_id NOT LIKE 'otel:%'
      AND NOT EXISTS (
        SELECT 1 FROM ingestion.usage_span_claims sc
        WHERE sc.project_id = i.project_id AND sc.trace_id = i.trace_id AND sc.span_id = i.span_id AND sc.event_id LIKE 'otel:%'
      )
      AND NOT EXISTS (
        SELECT 1 FROM span_claimed sc
        WHERE sc.project_id = i.project_id AND sc.trace_id = i.trace_id AND sc.span_id = i.span_id AND sc.event_id LIKE 'otel:%'
      ))
  RETURNING organization_id, project_id, occurred_at, event_id, provider, model, user_id, tags, trace_id, span_id, status,
    recorded_position, 1::bigint AS requests, (status = 'error')::int::bigint AS errors,
    (cost_status = 'unpriced')::int::bigint AS unpriced,
    input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens,
    coalesce(cost, 0) AS cost, latency_ms::bigint AS latency_ms
),
${rollupCtes('src')},
queued AS (
  INSERT INTO ingestion.reprice_queue (project_id, event_id, occurred_at, organization_id, catalog_revision, overrides_revision)
  SELECT s.project_id, s.event_id, s.occurred_at, s.organization_id, i.catalog_revision, i.overrides_revision
  FROM src s JOIN input i ON i.project_id = s.project_id AND i.event_id = s.event_id
  WHERE i.stale
  ON CONFLICT DO NOTHING
),
calls AS (
  SELECT s.*, s.occurred_at - coalesce(s.latency_ms, 0) * interval '1 millisecond' AS started_at, i.parent_span_id, i.session_id,
    i.recorded_at, i.ord
  FROM src s JOIN input i ON i.project_id = s.project_id AND i.event_id = s.event_id
  WHERE s.trace_id IS NOT NULL
),
usage_spans AS (
  INSERT INTO ingestion.trace_spans (project_id, trace_id, span_id, parent_span_id, name, kind, category, start_time, end_time,
    status, source, provider, model, usage_event_id, input_tokens, tags, recorded_position)
  SELECT DISTINCT ON (project_id, trace_id, span_id) project_id, trace_id, span_id, parent_span_id, 'chat ' || model, 'client', 'llm',
    started_at, occurred_at, CASE WHEN status = 'error' THEN 'error' ELSE 'ok' END, 'usage', provider, model, event_id,
    input_tokens, tags, recorded_position
  FROM calls WHERE span_id IS NOT NULL
  ORDER BY project_id, trace_id, span_id, ord
  ON CONFLICT DO NOTHING
  RETURNING project_id, trace_id, status
),
otlp_spans AS (
  UPDATE ingestion.trace_spans t SET usage_event_id = c.event_id, input_tokens = c.input_tokens, model = c.model, provider = c.provider
  FROM (
    SELECT DISTINCT ON (project_id, trace_id, span_id) * FROM calls WHERE span_id IS NOT NULL
    ORDER BY project_id, trace_id, span_id, ord DESC
  ) c
  WHERE t.project_id = c.project_id AND t.trace_id = c.trace_id AND t.span_id = c.span_id AND t.source = 'otlp'
),
new_spans AS (
  SELECT project_id, trace_id, count(*)::int AS spans, count(*) FILTER (WHERE status = 'error')::int AS errors
  FROM usage_spans GROUP BY project_id, trace_id
),
traced AS (
  INSERT INTO ingestion.traces AS t (organization_id, project_id, trace_id, started_at, ended_at, span_count, error_spans,
    model_calls, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens, cost, unpriced,
    session_id, user_id, last_activity_at)
  SELECT c.organization_id, c.project_id, c.trace_id, min(c.started_at), max(c.occurred_at),
    coalesce(max(n.spans), 0), coalesce(max(n.errors), 0), count(*)::int,
    sum(c.input_tokens), sum(c.output_tokens), sum(c.cached_input_tokens), sum(c.cache_write_tokens), sum(c.reasoning_tokens),
    sum(c.cost), sum(c.unpriced)::int,
    -- The first event's first call that names one, as applying the events one at a time keeps it.
    (array_agg(c.session_id ORDER BY c.recorded_position, c.occurred_at, c.event_id) FILTER (WHERE c.session_id IS NOT NULL))[1],
    (array_agg(c.user_id ORDER BY c.recorded_position, c.occurred_at, c.event_id) FILTER (WHERE c.user_id IS NOT NULL))[1],
    max(c.recorded_at)
  FROM calls c LEFT JOIN new_spans n ON n.project_id = c.project_id AND n.trace_id = c.trace_id
  GROUP BY c.organization_id, c.project_id, c.trace_id
  ON CONFLICT (project_id, trace_id) DO UPDATE SET
    started_at = LEAST(t.started_at, EXCLUDED.started_at),
    ended_at = GREATEST(t.ended_at, EXCLUDED.ended_at),
    span_count = t.span_count + EXCLUDED.span_count,
    error_spans = t.error_spans + EXCLUDED.error_spans,
    model_calls = t.model_calls + EXCLUDED.model_calls,
    input_tokens = t.input_tokens + EXCLUDED.input_tokens,
    output_tokens = t.output_tokens + EXCLUDED.output_tokens,
    cached_input_tokens = t.cached_input_tokens + EXCLUDED.cached_input_tokens,
    cache_write_tokens = t.cache_write_tokens + EXCLUDED.cache_write_tokens,
    reasoning_tokens = t.reasoning_tokens + EXCLUDED.reasoning_tokens,
    cost = t.cost + EXCLUDED.cost,
    unpriced = t.unpriced + EXCLUDED.unpriced,
    session_id = coalesce(t.session_id, EXCLUDED.session_id),
    user_id = coalesce(t.user_id, EXCLUDED.user_id),
    last_activity_at = GREATEST(t.last_activity_at, EXCLUDED.last_activity_at),
    evaluated_at = NULL
)
SELECT recorded_position::text AS position, count(*)::int AS recorded FROM src GROUP BY recorded_position`;

/**
 * Applies corrections: each record takes its new cost, and the rollups and the record's trace take the difference with its cost as the
 * read model holds it (not as the event says it was), so a correction applied twice, or overtaken by another,
 * adds nothing.
 */
const REPRICE_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb)
    AS c(event_id text, occurred_at timestamptz, cost numeric, cost_status text, price_entry_id text, price_origin text)
),
old AS (
  SELECT r.organization_id, r.project_id, r.occurred_at, r.event_id, r.provider, r.model, r.user_id, r.tags, r.trace_id,
    r.cost AS old_cost, r.cost_status AS old_status,
    i.cost AS new_cost, i.cost_status AS new_status, i.price_entry_id, i.price_origin
  FROM input i
  JOIN ingestion.usage_records r ON r.project_id = $2::uuid AND r.occurred_at = i.occurred_at AND r.event_id = i.event_id
  WHERE r.cost_status <> 'override'
    AND (r.cost IS DISTINCT FROM i.cost OR r.cost_status <> i.cost_status
      OR r.price_entry_id IS DISTINCT FROM i.price_entry_id OR r.price_origin IS DISTINCT FROM i.price_origin)
),
updated AS (
  UPDATE ingestion.usage_records r
  SET cost = o.new_cost, cost_status = o.new_status, price_entry_id = o.price_entry_id, price_origin = o.price_origin
  FROM old o
  WHERE r.project_id = o.project_id AND r.occurred_at = o.occurred_at AND r.event_id = o.event_id
),
src AS (
  SELECT organization_id, project_id, occurred_at, event_id, provider, model, user_id, tags, trace_id,
    0::bigint AS requests, 0::bigint AS errors,
    ((new_status = 'unpriced')::int - (old_status = 'unpriced')::int)::bigint AS unpriced,
    0::bigint AS input_tokens, 0::bigint AS output_tokens, 0::bigint AS cached_input_tokens,
    0::bigint AS cache_write_tokens, 0::bigint AS reasoning_tokens,
    coalesce(new_cost, 0) - coalesce(old_cost, 0) AS cost, 0::bigint AS latency_ms
  FROM old
),
${rollupCtes('src')},
traced AS (
  UPDATE ingestion.traces t SET cost = t.cost + d.cost, unpriced = t.unpriced + d.unpriced
  FROM (SELECT project_id, trace_id, sum(cost) AS cost, sum(unpriced)::int AS unpriced FROM src WHERE trace_id IS NOT NULL
    GROUP BY project_id, trace_id) d
  WHERE t.project_id = d.project_id AND t.trace_id = d.trace_id
)
SELECT count(*)::int AS corrected FROM old`;

export interface PricingRevisions {
  catalog: number;
  overrides: number;
}

/** One `UsageRecorded` event of a run, as the projection records it. */
export interface RecordUsagePart {
  organizationId: string;
  projectId: string;
  receivedAt: string;
  batchId: string;
  apiKeyId: string | null;
  position: number;
  /** The event's `recordedAt`: a trace's last activity, so that a rebuild writes the same rows. */
  recordedAt: string;
  /** A backfill's records: compared with the records too, not only with the claims of the dedup window. */
  imported: boolean;
  records: readonly UsageRecordData[];
  /** The ids (or erased markers) of the records' end-user pseudonyms (EndUserPseudonyms.resolve). */
  endUsers: ReadonlyMap<string, string>;
  /** Set when the records were priced with older prices than `revisions`: they are queued for repricing. */
  stale: boolean;
  revisions: PricingRevisions;
}

/** An element of the statement's column arrays. */
type Scalar = string | number | boolean | null | undefined;

/** The projection's writes, each inside the transaction `applyInTransaction` opened. */
@Injectable()
export class UsageProjectionRepository {
  /** The pricing revisions the projection has seen, for each organization: one statement for a run of events. */
  async pricingRevisions(tx: PoolClient, organizationIds: Iterable<string>): Promise<Map<string, PricingRevisions>> {
    const organizations = [...new Set(organizationIds)];
    const { rows } = await tx.query<{ scope: string; revision: string }>(
      'SELECT scope, revision FROM ingestion.pricing_revisions WHERE scope = ANY($1::text[])',
      [['catalog', ...organizations.map(overridesScope)]],
    );
    const revision = (scope: string) => Number(rows.find((r) => r.scope === scope)?.revision ?? -1);
    return new Map(organizations.map((id) => [id, { catalog: revision('catalog'), overrides: revision(overridesScope(id)) }]));
  }

  /** Records a run of events in one statement; resolves with the records written per event position. */
  async recordUsage(tx: PoolClient, parts: readonly RecordUsagePart[]): Promise<Map<number, number>> {
    const events = EVENT_COLUMNS.map((): Scalar[] => []);
    const recordOf: number[] = [];
    const columns = INPUT_COLUMNS.map((): Scalar[] => []);
    // Of copies of an id within the run, only the first can win its claim, as when the events are applied one at a
    // time: the later ones are left out here (each event's own copies already are, by firstOfEachId).
    const seen = new Set<string>();
    parts.forEach((part, i) => {
      const event: Record<string, Scalar> = {
        organization_id: part.organizationId,
        project_id: part.projectId,
        received_at: part.receivedAt,
        batch_id: part.batchId,
        api_key_id: part.apiKeyId,
        recorded_position: part.position,
        stale: part.stale,
        catalog_revision: part.revisions.catalog,
        overrides_revision: part.revisions.overrides,
        imported: part.imported,
        recorded_at: part.recordedAt,
      };
      EVENT_COLUMNS.forEach(({ name }, c) => events[c].push(event[name]));
      for (const record of part.records) {
        const key = `${part.projectId} ${record.id}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const row = toRecordRow(record, part.endUsers);
        recordOf.push(i + 1);
        INPUT_COLUMNS.forEach(({ name, type }, c) => columns[c].push(type === 'jsonb' ? JSON.stringify(row[name]) : (row[name] as Scalar)));
      }
    });
    if (recordOf.length === 0) return new Map();
    const { rows } = await tx.query<{ position: string; recorded: number }>(
      RECORD_USAGE_SQL,
      [...events, recordOf, ...columns].map((values) => arrayLiteral(values)),
    );
    return new Map(rows.map((r) => [Number(r.position), r.recorded]));
  }

  async reprice(tx: PoolClient, data: UsageRepricedData): Promise<number> {
    const rows = data.corrections.map((c) => ({
      event_id: c.eventId,
      occurred_at: c.timestamp,
      cost: c.current.amount,
      cost_status: c.current.status,
      price_entry_id: c.current.priceEntryId,
      price_origin: c.current.priceOrigin,
    }));
    const { rows: result } = await tx.query<{ corrected: number }>(REPRICE_SQL, [JSON.stringify(rows), data.projectId]);
    return result[0].corrected;
  }

  async applyCatalogChange(tx: PoolClient, data: PriceCatalogRefreshedData): Promise<void> {
    if (data.withdrawn.length > 0) {
      await tx.query('DELETE FROM ingestion.price_entries WHERE id = ANY($1::text[])', [data.withdrawn.map((w) => w.id)]);
    }
    if (data.closed.length > 0) {
      await tx.query(
        `UPDATE ingestion.price_entries p SET effective_to = c.effective_to
         FROM jsonb_to_recordset($1::jsonb) AS c(id text, effective_to timestamptz) WHERE p.id = c.id`,
        [JSON.stringify(data.closed.map((c) => ({ id: c.id, effective_to: c.effectiveTo })))],
      );
    }
    if (data.opened.length > 0) {
      await tx.query(
        `INSERT INTO ingestion.price_entries
           (id, source_id, provider, model, aliases, patterns, effective_from, effective_to, time_of_day, currency, rates, tiers, refresh_id)
         SELECT id, source_id, provider, model, coalesce(aliases, '{}'), coalesce(patterns, '[]'), effective_from, effective_to,
           time_of_day, currency, rates, coalesce(tiers, '[]'), $2::uuid
         FROM jsonb_to_recordset($1::jsonb) AS e(id text, source_id text, provider text, model text, aliases text[], patterns jsonb,
           effective_from timestamptz, effective_to timestamptz, time_of_day jsonb, currency text, rates jsonb, tiers jsonb)
         ON CONFLICT (id) DO NOTHING`,
        [JSON.stringify(data.opened.map(toEntryRow)), data.refreshId],
      );
    }
  }

  async setRevision(tx: PoolClient, scope: string, revision: number): Promise<void> {
    await tx.query(
      `INSERT INTO ingestion.pricing_revisions (scope, revision) VALUES ($1, $2)
       ON CONFLICT (scope) DO UPDATE SET revision = GREATEST(ingestion.pricing_revisions.revision, EXCLUDED.revision)`,
      [scope, revision],
    );
  }

  async addRepriceJob(
    tx: PoolClient,
    job: { id: string; organizationId: string | null; requiredRevision: number; scopes: RepriceScope[] },
  ): Promise<void> {
    if (job.scopes.length === 0) return;
    await tx.query(
      `INSERT INTO ingestion.reprice_jobs (id, organization_id, required_revision, scopes) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (id) DO NOTHING`,
      [job.id, job.organizationId, job.requiredRevision, JSON.stringify(job.scopes)],
    );
  }
}

export function overridesScope(organizationId: string): string {
  return `org:${organizationId}`;
}

function toRecordRow(record: UsageRecordData, endUsers: ReadonlyMap<string, string>): Record<string, unknown> {
  const u = record.usage;
  return {
    event_id: record.id,
    occurred_at: record.timestamp,
    provider: record.provider,
    model: record.model,
    status: record.status,
    error_type: record.errorType ?? null,
    latency_ms: record.latencyMs,
    user_id: endUserOf(record, endUsers),
    trace_id: record.traceId ?? null,
    span_id: record.spanId ?? null,
    parent_span_id: record.parentSpanId ?? null,
    session_id: record.sessionId ?? null,
    tags: record.tags,
    metadata: record.metadata,
    input_tokens: u.inputTokens,
    output_tokens: u.outputTokens,
    cached_input_tokens: u.cachedInputTokens ?? 0,
    cache_write_tokens: u.cacheWriteTokens ?? 0,
    cache_write_1h_tokens: u.cacheWrite1hTokens ?? 0,
    reasoning_tokens: u.reasoningTokens ?? 0,
    input_audio_tokens: u.inputAudioTokens ?? 0,
    cached_input_audio_tokens: u.cachedInputAudioTokens ?? 0,
    output_audio_tokens: u.outputAudioTokens ?? 0,
    input_image_tokens: u.inputImageTokens ?? 0,
    cached_input_image_tokens: u.cachedInputImageTokens ?? 0,
    output_image_tokens: u.outputImageTokens ?? 0,
    cost: record.cost.amount,
    cost_status: record.cost.status,
    price_entry_id: record.cost.priceEntryId,
    price_origin: record.cost.priceOrigin,
  };
}

function toEntryRow(entry: CatalogEntryData): Record<string, unknown> {
  return {
    id: entry.id,
    source_id: entry.sourceId,
    provider: entry.provider,
    model: entry.model,
    aliases: entry.aliases ?? [],
    patterns: entry.patterns ?? [],
    effective_from: entry.effectiveFrom,
    effective_to: entry.effectiveTo,
    time_of_day: entry.timeOfDay ?? null,
    currency: entry.currency,
    rates: entry.rates,
    tiers: entry.tiers ?? [],
  };
}
