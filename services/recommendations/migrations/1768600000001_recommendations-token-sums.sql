-- Up Migration

-- Sums of token counts hold any sum the platform can make: NUMERIC(40,0), as the ingestion service's rollups
-- (migration 1768600000001_ingestion-token-sums says why). 1,025 usage events of the largest count in one day's
-- traffic overflowed a bigint sum and were dead-lettered. A prompt prefix's tokens stay bigint (at most 10^7 per
-- event). The type change rewrites each table once, under an exclusive lock; nothing is lost.
ALTER TABLE recommendations.traffic_daily
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0);
ALTER TABLE recommendations.route_daily
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0);
ALTER TABLE recommendations.prefix_daily
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0);

-- Down Migration

-- Fails, changing nothing, if a sum no longer fits bigint.
ALTER TABLE recommendations.prefix_daily
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint;
ALTER TABLE recommendations.route_daily
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint;
ALTER TABLE recommendations.traffic_daily
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint;
