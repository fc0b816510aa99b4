-- Up Migration

-- Room for HOT updates on the daily and monthly rollups (issue 15, docs/benchmarks.md). The projection adds every
-- batch's sums to the rows of the current day and month: each update writes a new version of the row. With full
-- pages that version lands on another page, and every index of the table (the primary key, the organization's
-- index) gains an entry for it; the old versions leave pages mostly dead until a vacuum, which the ranking of an
-- organization's end users then reads (a monthly row updated by every batch). With half of each page kept free, the
-- new version is written on the same page without touching an index (a heap-only tuple), and the next update of that
-- page prunes the dead ones in place. The dimensions are never updated, so every rollup update is eligible.
-- The hourly rollups keep full pages: they are the largest (a row per key and hour), their rows are updated for an
-- hour only, and the room measured no cheaper there. Pages written from now on keep the room; rows already stored
-- move into it as they are updated (VACUUM FULL or pg_repack rewrites a table at once, docs/operations.md).
ALTER TABLE ingestion.usage_rollups_daily SET (fillfactor = 50);
ALTER TABLE ingestion.usage_rollups_daily_users SET (fillfactor = 50);
ALTER TABLE ingestion.usage_rollups_monthly_users SET (fillfactor = 50);
ALTER TABLE ingestion.usage_rollups_daily_tags SET (fillfactor = 50);
ALTER TABLE ingestion.usage_rollups_org_daily SET (fillfactor = 50);
ALTER TABLE ingestion.usage_rollups_org_daily_tags SET (fillfactor = 50);
ALTER TABLE ingestion.usage_rollups_org_monthly_users SET (fillfactor = 50);

-- Down Migration

ALTER TABLE ingestion.usage_rollups_daily RESET (fillfactor);
ALTER TABLE ingestion.usage_rollups_daily_users RESET (fillfactor);
ALTER TABLE ingestion.usage_rollups_monthly_users RESET (fillfactor);
ALTER TABLE ingestion.usage_rollups_daily_tags RESET (fillfactor);
ALTER TABLE ingestion.usage_rollups_org_daily RESET (fillfactor);
ALTER TABLE ingestion.usage_rollups_org_daily_tags RESET (fillfactor);
ALTER TABLE ingestion.usage_rollups_org_monthly_users RESET (fillfactor);
