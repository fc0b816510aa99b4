-- Up Migration

-- Retention of usage detail (docs/security.md): the maintenance job deletes, per organization, the traces that
-- ended before its cutoff.
CREATE INDEX IF NOT EXISTS traces_org_ended_idx ON ingestion.traces (organization_id, ended_at);

-- Down Migration

DROP INDEX IF EXISTS ingestion.traces_org_ended_idx;
