-- Up Migration
-- A project's routes: per model name callers send, the targets tried in order.
CREATE TABLE proxy.routes (
  project_id uuid NOT NULL,
  model text NOT NULL,
  route_id uuid NOT NULL UNIQUE,
  organization_id uuid NOT NULL,
  targets jsonb NOT NULL,
  timeout_ms integer,
  updated_by text NOT NULL,
  updated_at timestamptz(3) NOT NULL,
  PRIMARY KEY (project_id, model)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON proxy.routes TO llmlab_app;

-- Down Migration
DROP TABLE proxy.routes;
