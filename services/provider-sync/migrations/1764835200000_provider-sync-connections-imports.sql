-- Up Migration
-- Provider connections (never the credentials: those stay sealed in the event store).
CREATE TABLE provider_sync.connections (
  connection_id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  provider text NOT NULL,
  name text NOT NULL,
  base_url text,
  key_hint text NOT NULL,
  mappings jsonb NOT NULL DEFAULT '[]'::jsonb,
  sync_enabled boolean NOT NULL DEFAULT true,
  revision integer NOT NULL,
  created_at timestamptz(3) NOT NULL,
  synced_until timestamptz(3),
  removed boolean NOT NULL DEFAULT false
);
CREATE INDEX connections_organization_idx ON provider_sync.connections (organization_id, created_at);

-- Sync runs, per connection.
CREATE TABLE provider_sync.sync_runs (
  run_id uuid PRIMARY KEY,
  connection_id uuid NOT NULL,
  organization_id uuid NOT NULL,
  provider text NOT NULL,
  range_from timestamptz(3) NOT NULL,
  range_to timestamptz(3) NOT NULL,
  trigger text NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
  pages_fetched integer NOT NULL DEFAULT 0,
  rows_imported integer NOT NULL DEFAULT 0,
  error text,
  started_at timestamptz(3) NOT NULL,
  finished_at timestamptz(3)
);
CREATE INDEX sync_runs_connection_idx ON provider_sync.sync_runs (connection_id, started_at DESC);

-- Imported cost buckets: one row per bucket identity, the latest figure (corrections overwrite amount).
CREATE TABLE provider_sync.cost_buckets (
  connection_id uuid NOT NULL,
  day date NOT NULL,
  external_project_id text NOT NULL DEFAULT '',
  model text NOT NULL DEFAULT '',
  line_item text NOT NULL DEFAULT '',
  organization_id uuid NOT NULL,
  provider text NOT NULL,
  project_id uuid,
  amount numeric(28, 12) NOT NULL,
  currency text NOT NULL DEFAULT 'USD',
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (connection_id, day, external_project_id, model, line_item)
);
CREATE INDEX cost_buckets_organization_day_idx ON provider_sync.cost_buckets (organization_id, day);

-- Imported usage buckets (tokens and requests per day, model, external project and kind).
CREATE TABLE provider_sync.usage_buckets (
  connection_id uuid NOT NULL,
  day date NOT NULL,
  external_project_id text NOT NULL DEFAULT '',
  model text NOT NULL DEFAULT '',
  kind text NOT NULL,
  organization_id uuid NOT NULL,
  provider text NOT NULL,
  project_id uuid,
  input_tokens bigint NOT NULL DEFAULT 0,
  output_tokens bigint NOT NULL DEFAULT 0,
  cached_tokens bigint NOT NULL DEFAULT 0,
  requests bigint NOT NULL DEFAULT 0,
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (connection_id, day, external_project_id, model, kind)
);
CREATE INDEX usage_buckets_organization_day_idx ON provider_sync.usage_buckets (organization_id, day);

-- Data keys of connections' credentials, wrapped by the master key (libs/crypto SubjectKeyStore; keys:rotate re-wraps).
CREATE TABLE provider_sync.connection_keys (
  subject_id uuid PRIMARY KEY,
  wrapped_key bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT, UPDATE, DELETE ON provider_sync.connection_keys, provider_sync.connections, provider_sync.sync_runs, provider_sync.cost_buckets,
  provider_sync.usage_buckets TO llmlab_app;

-- Down Migration
DROP TABLE provider_sync.connection_keys;
DROP TABLE provider_sync.usage_buckets;
DROP TABLE provider_sync.cost_buckets;
DROP TABLE provider_sync.sync_runs;
DROP TABLE provider_sync.connections;
