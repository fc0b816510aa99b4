-- Up Migration
CREATE TABLE alerts.projection_checkpoints (
  projection text PRIMARY KEY,
  position bigint NOT NULL,
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE alerts.projection_checkpoints;
