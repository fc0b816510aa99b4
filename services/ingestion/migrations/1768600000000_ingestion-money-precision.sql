-- Up Migration

-- Money columns hold any sum the platform can make (docs/ingestion.md, "Money"). NUMERIC(28,12) held 16 digits
-- before the point: a caller's explicit cost fits (it gives at most 16 digits), but a priced cost can reach 23 (the
-- largest rate an organization may set, 12 digits per million tokens, times counts of up to 2^53), and two costs of
-- 16 digits in one rollup bucket already overflowed its sum: PostgreSQL refused the projection's statement and the
-- event was dead-lettered, its accepted usage missing from every read model. NUMERIC(60,12) holds 48 digits before
-- the point, the sum of 10^25 records of the largest cost a record can have, more than any bigint count of records.
-- The scale stays 12: amounts are still rounded on write and printed with exactly 12 decimals.
--
-- A wider precision with the same scale is a catalog change only: no table or index is rewritten. The monthly end
-- users' rollups compute cost_tier from cost, and PostgreSQL cannot change the type of a column a generated column
-- reads: those two drop the tier and its index and add them back (a rewrite of each table under an exclusive lock;
-- the projection waits, nothing is lost).
ALTER TABLE ingestion.usage_records ALTER COLUMN cost TYPE numeric(60,12);
ALTER TABLE ingestion.usage_rollups_hourly ALTER COLUMN cost TYPE numeric(60,12);
ALTER TABLE ingestion.usage_rollups_daily ALTER COLUMN cost TYPE numeric(60,12);
ALTER TABLE ingestion.usage_rollups_daily_users ALTER COLUMN cost TYPE numeric(60,12);
ALTER TABLE ingestion.usage_rollups_daily_tags ALTER COLUMN cost TYPE numeric(60,12);
ALTER TABLE ingestion.usage_rollups_hourly_tags ALTER COLUMN cost TYPE numeric(60,12);
ALTER TABLE ingestion.usage_rollups_org_hourly ALTER COLUMN cost TYPE numeric(60,12);
ALTER TABLE ingestion.usage_rollups_org_daily ALTER COLUMN cost TYPE numeric(60,12);
ALTER TABLE ingestion.usage_rollups_org_daily_tags ALTER COLUMN cost TYPE numeric(60,12);
ALTER TABLE ingestion.traces ALTER COLUMN cost TYPE numeric(60,12);

ALTER TABLE ingestion.usage_rollups_monthly_users DROP COLUMN cost_tier;
ALTER TABLE ingestion.usage_rollups_monthly_users
  ALTER COLUMN cost TYPE numeric(60,12),
  ADD COLUMN cost_tier smallint NOT NULL GENERATED ALWAYS AS (floor(12 * ln(1 + greatest(cost, 0)::float8 * 1e6))::smallint) STORED;
CREATE INDEX usage_rollups_monthly_users_cost_tier_idx
  ON ingestion.usage_rollups_monthly_users (project_id, bucket, cost_tier DESC);

ALTER TABLE ingestion.usage_rollups_org_monthly_users DROP COLUMN cost_tier;
ALTER TABLE ingestion.usage_rollups_org_monthly_users
  ALTER COLUMN cost TYPE numeric(60,12),
  ADD COLUMN cost_tier smallint NOT NULL GENERATED ALWAYS AS (floor(12 * ln(1 + greatest(cost, 0)::float8 * 1e6))::smallint) STORED;
CREATE INDEX usage_rollups_org_monthly_users_cost_tier_idx
  ON ingestion.usage_rollups_org_monthly_users (organization_id, bucket, cost_tier DESC);

-- Down Migration

-- Fails, changing nothing, if an amount no longer fits NUMERIC(28,12).
ALTER TABLE ingestion.usage_rollups_org_monthly_users DROP COLUMN cost_tier;
ALTER TABLE ingestion.usage_rollups_org_monthly_users
  ALTER COLUMN cost TYPE numeric(28,12),
  ADD COLUMN cost_tier smallint NOT NULL GENERATED ALWAYS AS (floor(12 * ln(1 + greatest(cost, 0)::float8 * 1e6))::smallint) STORED;
CREATE INDEX usage_rollups_org_monthly_users_cost_tier_idx
  ON ingestion.usage_rollups_org_monthly_users (organization_id, bucket, cost_tier DESC);

ALTER TABLE ingestion.usage_rollups_monthly_users DROP COLUMN cost_tier;
ALTER TABLE ingestion.usage_rollups_monthly_users
  ALTER COLUMN cost TYPE numeric(28,12),
  ADD COLUMN cost_tier smallint NOT NULL GENERATED ALWAYS AS (floor(12 * ln(1 + greatest(cost, 0)::float8 * 1e6))::smallint) STORED;
CREATE INDEX usage_rollups_monthly_users_cost_tier_idx
  ON ingestion.usage_rollups_monthly_users (project_id, bucket, cost_tier DESC);

ALTER TABLE ingestion.traces ALTER COLUMN cost TYPE numeric(28,12);
ALTER TABLE ingestion.usage_rollups_org_daily_tags ALTER COLUMN cost TYPE numeric(28,12);
ALTER TABLE ingestion.usage_rollups_org_daily ALTER COLUMN cost TYPE numeric(28,12);
ALTER TABLE ingestion.usage_rollups_org_hourly ALTER COLUMN cost TYPE numeric(28,12);
ALTER TABLE ingestion.usage_rollups_hourly_tags ALTER COLUMN cost TYPE numeric(28,12);
ALTER TABLE ingestion.usage_rollups_daily_tags ALTER COLUMN cost TYPE numeric(28,12);
ALTER TABLE ingestion.usage_rollups_daily_users ALTER COLUMN cost TYPE numeric(28,12);
ALTER TABLE ingestion.usage_rollups_daily ALTER COLUMN cost TYPE numeric(28,12);
ALTER TABLE ingestion.usage_rollups_hourly ALTER COLUMN cost TYPE numeric(28,12);
ALTER TABLE ingestion.usage_records ALTER COLUMN cost TYPE numeric(28,12);
