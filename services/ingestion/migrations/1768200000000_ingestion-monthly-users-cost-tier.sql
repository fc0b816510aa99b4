-- Up Migration

-- End users of a month in order of cost, read from the top (issue 15, docs/benchmarks.md): a ranking of an
-- organization's or a project's end users reads the first few hundred rows of each month the range touches instead
-- of grouping every user of the range (see `rankFromTheTop` in cost.repository.ts).
--
-- The order is by a coarse tier of the cost, not by the cost: the projection adds to the current month's rows with
-- every batch, and an update that changes an indexed column cannot be a HOT update (migration
-- 1768100000000_ingestion-rollups-fillfactor). A tier changes when the cost grows by about 8.7 %, so most updates
-- of a user's month leave it, and every index, as it was. tier = floor(12 * ln(1 + cost in millionths of a dollar)):
-- 0 for no cost, 165 for a dollar, at most about 610 for the largest cost the column holds. A row of tier t costs
-- less than exp((t + 1) / 12) / 1e6 dollars; the ranking bounds what it has not read with that. Costs are never
-- negative (prices and counts are not), and greatest() keeps the expression defined whatever a row holds. Adding the
-- column rewrites each table once under an exclusive lock (one row per project or organization, month and end user:
-- the projection waits meanwhile; nothing is lost).
ALTER TABLE ingestion.usage_rollups_org_monthly_users
  ADD COLUMN cost_tier smallint NOT NULL GENERATED ALWAYS AS (floor(12 * ln(1 + greatest(cost, 0)::float8 * 1e6))::smallint) STORED;
CREATE INDEX usage_rollups_org_monthly_users_cost_tier_idx
  ON ingestion.usage_rollups_org_monthly_users (organization_id, bucket, cost_tier DESC);

ALTER TABLE ingestion.usage_rollups_monthly_users
  ADD COLUMN cost_tier smallint NOT NULL GENERATED ALWAYS AS (floor(12 * ln(1 + greatest(cost, 0)::float8 * 1e6))::smallint) STORED;
CREATE INDEX usage_rollups_monthly_users_cost_tier_idx
  ON ingestion.usage_rollups_monthly_users (project_id, bucket, cost_tier DESC);

-- Down Migration

DROP INDEX ingestion.usage_rollups_monthly_users_cost_tier_idx;
ALTER TABLE ingestion.usage_rollups_monthly_users DROP COLUMN cost_tier;
DROP INDEX ingestion.usage_rollups_org_monthly_users_cost_tier_idx;
ALTER TABLE ingestion.usage_rollups_org_monthly_users DROP COLUMN cost_tier;
