-- Up Migration

-- One row per relay (keyed by the JetStream stream it feeds): the last event-store position JetStream
-- acknowledged. Written every few hundred events and on stop; a starting relay resumes after the later of this
-- and the event it finds last in the stream, so the row only has to be roughly current.
CREATE TABLE messaging.relay_checkpoints (
  relay text PRIMARY KEY,
  position bigint NOT NULL CHECK (position >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Services run as llmlab_app (created by the event-store migrations, which run first) and embed the relay.
GRANT USAGE ON SCHEMA messaging TO llmlab_app;
GRANT SELECT, INSERT, UPDATE ON messaging.relay_checkpoints TO llmlab_app;

-- Down Migration

REVOKE ALL ON messaging.relay_checkpoints FROM llmlab_app;
REVOKE USAGE ON SCHEMA messaging FROM llmlab_app;
DROP TABLE messaging.relay_checkpoints;
