-- Up Migration

-- Sums hold any sum the platform can make, as the ingestion service's (migration 1768600000000_ingestion-sums says
-- why): money is NUMERIC(60,12), sums of token counts NUMERIC(40,0). Two usage records of the largest cost, or 1,025
-- events of the largest token count, in one day's traffic overflowed NUMERIC(28,12) or bigint and were
-- dead-lettered. A prompt prefix's tokens stay bigint (at most 10^7 per event). The money-only tables change in the
-- catalog; the others are rewritten once, under an exclusive lock; nothing is lost.
ALTER TABLE recommendations.usage_claims
  ALTER COLUMN cost TYPE numeric(60,12);
ALTER TABLE recommendations.traffic_daily
  ALTER COLUMN cost TYPE numeric(60,12),
  ALTER COLUMN error_cost TYPE numeric(60,12),
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0);
ALTER TABLE recommendations.route_daily
  ALTER COLUMN cost TYPE numeric(60,12),
  ALTER COLUMN cache_saved TYPE numeric(60,12),
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0),
  ALTER COLUMN output_tokens TYPE numeric(40,0),
  ALTER COLUMN reasoning_tokens TYPE numeric(40,0);
ALTER TABLE recommendations.prefix_daily
  ALTER COLUMN cost TYPE numeric(60,12),
  ALTER COLUMN input_tokens TYPE numeric(40,0),
  ALTER COLUMN cached_input_tokens TYPE numeric(40,0),
  ALTER COLUMN cache_write_tokens TYPE numeric(40,0);
ALTER TABLE recommendations.trace_outcomes
  ALTER COLUMN cost TYPE numeric(60,12);
ALTER TABLE recommendations.recommendations
  ALTER COLUMN estimated_monthly_savings TYPE numeric(60,12);

-- Down Migration

-- Fails, changing nothing, if a sum no longer fits its old type.
ALTER TABLE recommendations.recommendations
  ALTER COLUMN estimated_monthly_savings TYPE numeric(28,12);
ALTER TABLE recommendations.trace_outcomes
  ALTER COLUMN cost TYPE numeric(28,12);
ALTER TABLE recommendations.prefix_daily
  ALTER COLUMN cost TYPE numeric(28,12),
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint;
ALTER TABLE recommendations.route_daily
  ALTER COLUMN cost TYPE numeric(28,12),
  ALTER COLUMN cache_saved TYPE numeric(28,12),
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint;
ALTER TABLE recommendations.traffic_daily
  ALTER COLUMN cost TYPE numeric(28,12),
  ALTER COLUMN error_cost TYPE numeric(28,12),
  ALTER COLUMN input_tokens TYPE bigint,
  ALTER COLUMN cached_input_tokens TYPE bigint,
  ALTER COLUMN cache_write_tokens TYPE bigint,
  ALTER COLUMN output_tokens TYPE bigint,
  ALTER COLUMN reasoning_tokens TYPE bigint;
ALTER TABLE recommendations.usage_claims
  ALTER COLUMN cost TYPE numeric(28,12);
