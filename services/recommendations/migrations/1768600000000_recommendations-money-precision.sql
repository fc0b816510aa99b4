-- Up Migration

-- Money columns hold any sum the platform can make: NUMERIC(60,12), as the ingestion service's (migration
-- 1768600000000_ingestion-money-precision says why). Two usage records of the largest cost in one day's traffic
-- overflowed NUMERIC(28,12) and were dead-lettered. A wider precision with the same scale rewrites no table or index.
ALTER TABLE recommendations.usage_claims ALTER COLUMN cost TYPE numeric(60,12);
ALTER TABLE recommendations.traffic_daily ALTER COLUMN cost TYPE numeric(60,12), ALTER COLUMN error_cost TYPE numeric(60,12);
ALTER TABLE recommendations.prefix_daily ALTER COLUMN cost TYPE numeric(60,12);
ALTER TABLE recommendations.route_daily ALTER COLUMN cost TYPE numeric(60,12), ALTER COLUMN cache_saved TYPE numeric(60,12);
ALTER TABLE recommendations.trace_outcomes ALTER COLUMN cost TYPE numeric(60,12);
ALTER TABLE recommendations.recommendations ALTER COLUMN estimated_monthly_savings TYPE numeric(60,12);

-- Down Migration

-- Fails, changing nothing, if an amount no longer fits NUMERIC(28,12).
ALTER TABLE recommendations.recommendations ALTER COLUMN estimated_monthly_savings TYPE numeric(28,12);
ALTER TABLE recommendations.trace_outcomes ALTER COLUMN cost TYPE numeric(28,12);
ALTER TABLE recommendations.route_daily ALTER COLUMN cost TYPE numeric(28,12), ALTER COLUMN cache_saved TYPE numeric(28,12);
ALTER TABLE recommendations.prefix_daily ALTER COLUMN cost TYPE numeric(28,12);
ALTER TABLE recommendations.traffic_daily ALTER COLUMN cost TYPE numeric(28,12), ALTER COLUMN error_cost TYPE numeric(28,12);
ALTER TABLE recommendations.usage_claims ALTER COLUMN cost TYPE numeric(28,12);
