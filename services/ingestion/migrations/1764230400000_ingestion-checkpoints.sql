-- Up Migration
CREATE TABLE ingestion.projection_checkpoints (
  projection text PRIMARY KEY,
  position bigint NOT NULL,
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE ingestion.projection_checkpoints;
