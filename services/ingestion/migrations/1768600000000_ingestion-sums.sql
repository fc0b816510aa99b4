-- Up Migration

-- Sums hold any sum the platform can make (docs/ingestion.md, "Money" and "Sums of counts"). Before, a sum could
-- outgrow its column: PostgreSQL refused the projection's statement, the event was dead-lettered (its accepted usage
-- missing from every read model), and so was every later event of that bucket or trace, each failure making the
-- projection apply its run one event at a time for every tenant:
-- - money, NUMERIC(28,12), 16 digits before the point: a caller's explicit cost fits (it gives at most 16), but a
--   priced cost can reach 23 (the largest rate an organization may set, 12 digits per million tokens, times counts
--   of up to 2^53), and two costs of 16 digits in one rollup bucket overflowed its sum;
-- - token counts, bigint: an event may count up to 2^53 - 1 tokens of a kind, so 1,025 such events in one bucket
--   overflowed;
-- - a trace's counts of spans, model calls, error spans and unpriced calls, integer: 2^31 events in one trace.
-- Money is now NUMERIC(60,12), 48 digits before the point: the sum of 10^25 records of the largest cost a record can
-- have. Sums of token counts are NUMERIC(40,0): the sum of 10^24 events of the largest count. A trace's counts are
-- bigint, as the rollups' requests. The scale of money stays 12: amounts are still rounded on write and printed with
-- exactly 12 decimals. A record keeps its counts in bigint (one count each).
--
-- A wider NUMERIC with the same scale is a catalog change (usage_records is not rewritten); the other tables change a
-- bigint or integer column, which rewrites each of them and its indexes once, under an exclusive lock: the projection
-- and the cost queries wait meanwhile, nothing is lost. The monthly end users' rollups compute cost_tier from cost,
-- and PostgreSQL cannot change the type of a column a generated column reads: the tier and its index are dropped and
-- added back in the same rewrite. A month of usage_records detached before this migration takes
-- `ALTER TABLE … ALTER COLUMN cost TYPE numeric(60,12)` before it can be attached again.
ALTER TABLE ingestion.usage_records ALTER COLUMN cost TYPE numeric(60,12);
ALTER TABLE ingestion.usage_rollups_hourly
  ALTER COLUMN cost TYPE numeric(60,12),
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0);
ALTER TABLE ingestion.usage_rollups_daily
  ALTER COLUMN cost TYPE numeric(60,12),
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0);
ALTER TABLE ingestion.usage_rollups_daily_users
  ALTER COLUMN cost TYPE numeric(60,12),
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0);
ALTER TABLE ingestion.usage_rollups_daily_tags
  ALTER COLUMN cost TYPE numeric(60,12),
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0);
ALTER TABLE ingestion.usage_rollups_hourly_tags
  ALTER COLUMN cost TYPE numeric(60,12),
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0);
ALTER TABLE ingestion.usage_rollups_org_hourly
  ALTER COLUMN cost TYPE numeric(60,12),
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0);
ALTER TABLE ingestion.usage_rollups_org_daily
  ALTER COLUMN cost TYPE numeric(60,12),
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0);
ALTER TABLE ingestion.usage_rollups_org_daily_tags
  ALTER COLUMN cost TYPE numeric(60,12),
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0);
ALTER TABLE ingestion.usage_rollups_monthly_users DROP COLUMN cost_tier;
ALTER TABLE ingestion.usage_rollups_monthly_users
  ALTER COLUMN cost TYPE numeric(60,12),
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0),
  ADD COLUMN cost_tier smallint NOT NULL GENERATED ALWAYS AS (floor(12 * ln(1 + greatest(cost, 0)::float8 * 1e6))::smallint) STORED;
CREATE INDEX usage_rollups_monthly_users_cost_tier_idx
  ON ingestion.usage_rollups_monthly_users (project_id, bucket, cost_tier DESC);
ALTER TABLE ingestion.usage_rollups_org_monthly_users DROP COLUMN cost_tier;
ALTER TABLE ingestion.usage_rollups_org_monthly_users
  ALTER COLUMN cost TYPE numeric(60,12),
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0),
  ADD COLUMN cost_tier smallint NOT NULL GENERATED ALWAYS AS (floor(12 * ln(1 + greatest(cost, 0)::float8 * 1e6))::smallint) STORED;
CREATE INDEX usage_rollups_org_monthly_users_cost_tier_idx
  ON ingestion.usage_rollups_org_monthly_users (organization_id, bucket, cost_tier DESC);
ALTER TABLE ingestion.traces
  ALTER COLUMN cost TYPE numeric(60,12),
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0),
  ALTER COLUMN span_count TYPE bigint,
  ALTER COLUMN model_calls TYPE bigint,
  ALTER COLUMN error_spans TYPE bigint,
  ALTER COLUMN unpriced TYPE bigint;

-- Down Migration

-- Fails, changing nothing, if a sum no longer fits its old type.
ALTER TABLE ingestion.traces
  ALTER COLUMN cost TYPE numeric(28,12),
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint,
  ALTER COLUMN span_count TYPE integer,
  ALTER COLUMN model_calls TYPE integer,
  ALTER COLUMN error_spans TYPE integer,
  ALTER COLUMN unpriced TYPE integer;
ALTER TABLE ingestion.usage_rollups_org_monthly_users DROP COLUMN cost_tier;
ALTER TABLE ingestion.usage_rollups_org_monthly_users
  ALTER COLUMN cost TYPE numeric(28,12),
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint,
  ADD COLUMN cost_tier smallint NOT NULL GENERATED ALWAYS AS (floor(12 * ln(1 + greatest(cost, 0)::float8 * 1e6))::smallint) STORED;
CREATE INDEX usage_rollups_org_monthly_users_cost_tier_idx
  ON ingestion.usage_rollups_org_monthly_users (organization_id, bucket, cost_tier DESC);
ALTER TABLE ingestion.usage_rollups_monthly_users DROP COLUMN cost_tier;
ALTER TABLE ingestion.usage_rollups_monthly_users
  ALTER COLUMN cost TYPE numeric(28,12),
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint,
  ADD COLUMN cost_tier smallint NOT NULL GENERATED ALWAYS AS (floor(12 * ln(1 + greatest(cost, 0)::float8 * 1e6))::smallint) STORED;
CREATE INDEX usage_rollups_monthly_users_cost_tier_idx
  ON ingestion.usage_rollups_monthly_users (project_id, bucket, cost_tier DESC);
ALTER TABLE ingestion.usage_rollups_org_daily_tags
  ALTER COLUMN cost TYPE numeric(28,12),
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint;
ALTER TABLE ingestion.usage_rollups_org_daily
  ALTER COLUMN cost TYPE numeric(28,12),
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint;
ALTER TABLE ingestion.usage_rollups_org_hourly
  ALTER COLUMN cost TYPE numeric(28,12),
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint;
ALTER TABLE ingestion.usage_rollups_hourly_tags
  ALTER COLUMN cost TYPE numeric(28,12),
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint;
ALTER TABLE ingestion.usage_rollups_daily_tags
  ALTER COLUMN cost TYPE numeric(28,12),
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint;
ALTER TABLE ingestion.usage_rollups_daily_users
  ALTER COLUMN cost TYPE numeric(28,12),
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint;
ALTER TABLE ingestion.usage_rollups_daily
  ALTER COLUMN cost TYPE numeric(28,12),
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint;
ALTER TABLE ingestion.usage_rollups_hourly
  ALTER COLUMN cost TYPE numeric(28,12),
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint;
ALTER TABLE ingestion.usage_records ALTER COLUMN cost TYPE numeric(28,12);
