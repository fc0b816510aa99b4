-- Up Migration

-- Sums of token counts hold any sum the platform can make, as money columns do (migration
-- 1768600000000_ingestion-money-precision). A usage event may count up to 2^53 - 1 tokens of a kind, so 1,025 such
-- events in one rollup bucket (or one trace) overflowed a bigint sum: PostgreSQL refused the projection's statement,
-- the event was dead-lettered, and so was every later event of that bucket, each failure making the projection apply
-- its run one event at a time for every tenant. NUMERIC(40,0) holds the sum of 10^24 events of the largest count.
-- The records keep bigint (one count each); requests, errors and unpriced stay bigint (one per event), and so does
-- the latency sum (at most a day per event: 10^11 events to overflow).
--
-- The type change rewrites each table and its indexes once, under an exclusive lock: the projection and the cost
-- queries wait meanwhile, nothing is lost.
ALTER TABLE ingestion.usage_rollups_hourly
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0);
ALTER TABLE ingestion.usage_rollups_daily
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0);
ALTER TABLE ingestion.usage_rollups_daily_users
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0);
ALTER TABLE ingestion.usage_rollups_daily_tags
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0);
ALTER TABLE ingestion.usage_rollups_hourly_tags
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0);
ALTER TABLE ingestion.usage_rollups_monthly_users
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0);
ALTER TABLE ingestion.usage_rollups_org_hourly
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0);
ALTER TABLE ingestion.usage_rollups_org_daily
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0);
ALTER TABLE ingestion.usage_rollups_org_daily_tags
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0);
ALTER TABLE ingestion.usage_rollups_org_monthly_users
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0);
ALTER TABLE ingestion.traces
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0);

-- Down Migration

-- Fails, changing nothing, if a sum no longer fits bigint.
ALTER TABLE ingestion.traces
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint;
ALTER TABLE ingestion.usage_rollups_org_monthly_users
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint;
ALTER TABLE ingestion.usage_rollups_org_daily_tags
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint;
ALTER TABLE ingestion.usage_rollups_org_daily
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint;
ALTER TABLE ingestion.usage_rollups_org_hourly
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint;
ALTER TABLE ingestion.usage_rollups_monthly_users
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint;
ALTER TABLE ingestion.usage_rollups_hourly_tags
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint;
ALTER TABLE ingestion.usage_rollups_daily_tags
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint;
ALTER TABLE ingestion.usage_rollups_daily_users
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint;
ALTER TABLE ingestion.usage_rollups_daily
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint;
ALTER TABLE ingestion.usage_rollups_hourly
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint;
