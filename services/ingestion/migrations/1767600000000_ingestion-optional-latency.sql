-- Up Migration

-- A usage event's latencyMs is optional (issue 15): a backfill or forwarded billing data has none to give. The
-- rollups' latency_ms_sum adds only the latencies that were given.
ALTER TABLE ingestion.usage_records ALTER COLUMN latency_ms DROP NOT NULL;

-- Down Migration

UPDATE ingestion.usage_records SET latency_ms = 0 WHERE latency_ms IS NULL;
ALTER TABLE ingestion.usage_records ALTER COLUMN latency_ms SET NOT NULL;
