-- Up Migration

-- One data key per channel, wrapped by the master key (the columns of every key table, so `npm run keys:rotate`
-- re-wraps them). Kept here rather than in the ChannelAdded event, which is immutable: a key wrapped there could
-- never be re-wrapped, and rebuilding the read models after a master-key rotation would lose every channel.
-- Channels added earlier carry their key in the event; the service moves it here at start.
CREATE TABLE alerts.channel_keys (
  subject_id uuid PRIMARY KEY,
  wrapped_key bytea NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE, DELETE ON alerts.channel_keys TO llmlab_app;

-- Down Migration
DROP TABLE alerts.channel_keys;
