-- Up Migration

-- Usage retention (contracts' usage-retention.ts): each organization's days of usage detail as last changed,
-- projected from `UsageRetentionChanged` on `ingestion.usage-retention-<organizationId>`. `retention_days` NULL
-- keeps the detail forever (the default, also an organization without a row); `revision` is the event's stream
-- revision, so a replayed older event changes nothing. Read by the maintenance job.
CREATE TABLE ingestion.usage_retention (
  organization_id uuid        PRIMARY KEY,
  retention_days  integer     NULL,
  revision        bigint      NOT NULL,
  updated_at      timestamptz NOT NULL
);

-- Down Migration
DROP TABLE ingestion.usage_retention;
