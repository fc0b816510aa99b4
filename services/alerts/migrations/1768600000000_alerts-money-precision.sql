-- Up Migration

-- Money columns hold any sum the platform can make: NUMERIC(60,12), as the ingestion service's (migration
-- 1768600000000_ingestion-sums says why). A priced record's cost can exceed NUMERIC(28,12), and two
-- records of the largest cost in one hour's spend overflowed it. A budget's amount keeps its own limit (16 digits
-- before the point, validated); its column takes the one money type. No table or index is rewritten.
ALTER TABLE alerts.usage_claims ALTER COLUMN cost TYPE numeric(60,12);
ALTER TABLE alerts.spend_hourly ALTER COLUMN cost TYPE numeric(60,12);
ALTER TABLE alerts.budgets ALTER COLUMN amount TYPE numeric(60,12);

-- Down Migration

-- Fails, changing nothing, if an amount no longer fits NUMERIC(28,12).
ALTER TABLE alerts.budgets ALTER COLUMN amount TYPE numeric(28,12);
ALTER TABLE alerts.spend_hourly ALTER COLUMN cost TYPE numeric(28,12);
ALTER TABLE alerts.usage_claims ALTER COLUMN cost TYPE numeric(28,12);
