-- Up Migration

-- A record imported from a file a signed-in user uploaded has no API key (the ledger event's actor is the user).
ALTER TABLE ingestion.usage_records ALTER COLUMN api_key_id DROP NOT NULL;

-- Backfill imports as the projection sees them: what the worker recorded (lines, valid, rejected, the first line
-- errors) and what the projection counted of it (new events, duplicates). Counts are final once the worker has
-- completed and counted + duplicates = valid.
CREATE TABLE ingestion.usage_imports (
  import_id        uuid           PRIMARY KEY,
  organization_id  uuid           NOT NULL,
  project_id       uuid           NOT NULL,
  format           text           NOT NULL,
  bytes            bigint         NOT NULL,
  worker_status    text           NOT NULL DEFAULT 'queued',
  lines_read       bigint         NOT NULL DEFAULT 0,
  valid            bigint         NOT NULL DEFAULT 0,
  rejected         bigint         NOT NULL DEFAULT 0,
  counted          bigint         NOT NULL DEFAULT 0,
  duplicates       bigint         NOT NULL DEFAULT 0,
  errors           jsonb          NOT NULL DEFAULT '[]',
  error_count      bigint         NOT NULL DEFAULT 0,
  failure          text,
  created_at       timestamptz(3) NOT NULL,
  completed_at     timestamptz(3)
);
CREATE INDEX usage_imports_organization_idx ON ingestion.usage_imports (organization_id, created_at);

GRANT SELECT, INSERT, UPDATE ON ingestion.usage_imports TO llmlab_app;

-- Down Migration
DROP TABLE ingestion.usage_imports;
ALTER TABLE ingestion.usage_records ALTER COLUMN api_key_id SET NOT NULL;
