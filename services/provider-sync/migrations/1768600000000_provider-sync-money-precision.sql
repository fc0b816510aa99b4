-- Up Migration

-- Money columns take the one money type, NUMERIC(60,12) (migration 1768600000000_ingestion-sums says
-- why): a billed amount as large as a recorded one can be is stored, not refused. No table or index is rewritten.
ALTER TABLE provider_sync.cost_buckets ALTER COLUMN amount TYPE numeric(60,12);

-- Down Migration

-- Fails, changing nothing, if an amount no longer fits NUMERIC(28,12).
ALTER TABLE provider_sync.cost_buckets ALTER COLUMN amount TYPE numeric(28,12);
