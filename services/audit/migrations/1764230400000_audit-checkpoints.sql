-- Up Migration
CREATE TABLE audit.projection_checkpoints (
  projection text PRIMARY KEY,
  position bigint NOT NULL CHECK (position >= 0),
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);
-- Services may run as the restricted application role (created by the event store's migration).
GRANT USAGE ON SCHEMA audit TO llmlab_app;
GRANT SELECT, INSERT, UPDATE ON audit.projection_checkpoints TO llmlab_app;

-- Down Migration
DROP TABLE audit.projection_checkpoints;
