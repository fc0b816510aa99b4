-- Up Migration
CREATE TABLE proxy.projection_checkpoints (
  projection text PRIMARY KEY,
  position bigint NOT NULL CHECK (position >= 0),
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);

-- A project's provider keys, one per provider, sealed (the ciphertext opens only with the key's data key below).
CREATE TABLE proxy.provider_keys (
  project_id uuid NOT NULL,
  provider text NOT NULL,
  organization_id uuid NOT NULL,
  provider_key_id uuid NOT NULL,
  base_url text,
  key_hint text NOT NULL,
  sealed jsonb NOT NULL,
  stored_by text NOT NULL,
  stored_at timestamptz(3) NOT NULL,
  revision integer NOT NULL,
  PRIMARY KEY (project_id, provider)
);

-- Data keys of stored provider keys, wrapped by the master key (libs/crypto's SubjectKeyStore); destroyed with the key.
CREATE TABLE proxy.provider_key_keys (
  subject_id uuid PRIMARY KEY,
  wrapped_key bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Services may run as the restricted application role (created by the event store's migration).
GRANT USAGE ON SCHEMA proxy TO llmlab_app;
GRANT SELECT, INSERT, UPDATE ON proxy.projection_checkpoints TO llmlab_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON proxy.provider_keys, proxy.provider_key_keys TO llmlab_app;

-- Down Migration
DROP TABLE proxy.provider_key_keys;
DROP TABLE proxy.provider_keys;
DROP TABLE proxy.projection_checkpoints;
