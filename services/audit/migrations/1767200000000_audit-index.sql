-- Up Migration

-- The audit index: one entry per event of the store, projected from EVENTS (consumer `audit-index`), what
-- `GET /v1/organizations/{orgId}/audit/events` lists. It holds ids, the event's metadata and a sentence, never
-- personal data: actors' names are asked of the auth service when a page is read.
CREATE TABLE audit.entries (
  position bigint PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE,
  type text NOT NULL,
  recorded_at timestamptz(6) NOT NULL,
  organization_id text,
  project_id text,
  actor_type text NOT NULL,
  actor_id text NOT NULL,
  resource_type text,
  resource_id text,
  correlation_id text,
  ip text,
  user_agent text,
  summary text NOT NULL,
  changes jsonb
);

-- Newest first within an organization, and the same with each filter the route takes.
CREATE INDEX entries_organization_idx ON audit.entries (organization_id, position DESC);
CREATE INDEX entries_actor_idx ON audit.entries (organization_id, actor_id, position DESC);
CREATE INDEX entries_type_idx ON audit.entries (organization_id, type, position DESC);
CREATE INDEX entries_resource_idx ON audit.entries (organization_id, resource_type, resource_id, position DESC);
CREATE INDEX entries_time_idx ON audit.entries (organization_id, recorded_at DESC);

GRANT SELECT, INSERT, UPDATE ON audit.entries TO llmlab_app;

-- Down Migration
DROP TABLE audit.entries;
