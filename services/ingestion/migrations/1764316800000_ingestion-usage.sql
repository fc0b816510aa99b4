-- Up Migration

-- Usage records, one row per counted usage event. Partitioned by month on the event's own timestamp, so a month
-- is dropped or archived whole and a query on a range reads only its months. `ensure_usage_partition` creates
-- months on demand; the default partition catches a month nobody created yet, and the function moves its rows
-- into the month's partition when it is created.
CREATE TABLE ingestion.usage_records (
  organization_id            uuid           NOT NULL,
  project_id                 uuid           NOT NULL,
  event_id                   text           NOT NULL,
  occurred_at                timestamptz(3) NOT NULL,
  received_at                timestamptz(3) NOT NULL,
  batch_id                   uuid           NOT NULL,
  api_key_id                 uuid           NOT NULL,
  provider                   text           NOT NULL,
  model                      text           NOT NULL,
  status                     text           NOT NULL CHECK (status IN ('success', 'error')),
  error_type                 text,
  latency_ms                 integer        NOT NULL CHECK (latency_ms >= 0),
  user_id                    text,
  trace_id                   text,
  span_id                    text,
  tags                       jsonb          NOT NULL DEFAULT '{}',
  metadata                   jsonb          NOT NULL DEFAULT '{}',
  input_tokens               bigint         NOT NULL DEFAULT 0,
  output_tokens              bigint         NOT NULL DEFAULT 0,
  cached_input_tokens        bigint         NOT NULL DEFAULT 0,
  cache_write_tokens         bigint         NOT NULL DEFAULT 0,
  cache_write_1h_tokens      bigint         NOT NULL DEFAULT 0,
  reasoning_tokens           bigint         NOT NULL DEFAULT 0,
  input_audio_tokens         bigint         NOT NULL DEFAULT 0,
  cached_input_audio_tokens  bigint         NOT NULL DEFAULT 0,
  output_audio_tokens        bigint         NOT NULL DEFAULT 0,
  input_image_tokens         bigint         NOT NULL DEFAULT 0,
  cached_input_image_tokens  bigint         NOT NULL DEFAULT 0,
  output_image_tokens        bigint         NOT NULL DEFAULT 0,
  -- NULL exactly when unpriced: an unpriced call is never a silent zero.
  cost                       numeric(28,12),
  currency                   text           NOT NULL DEFAULT 'USD',
  cost_status                text           NOT NULL CHECK (cost_status IN ('priced', 'unpriced', 'override')),
  price_entry_id             text,
  price_origin               text           CHECK (price_origin IN ('catalog', 'override')),
  -- Global position of the UsageRecorded event that recorded the row.
  recorded_position          bigint         NOT NULL,
  CHECK ((cost IS NULL) = (cost_status = 'unpriced')),
  PRIMARY KEY (project_id, occurred_at, event_id)
) PARTITION BY RANGE (occurred_at);

CREATE TABLE ingestion.usage_records_default PARTITION OF ingestion.usage_records DEFAULT;

-- Organization-wide drill-downs, and the repricing runs: by organization for an override, by provider for the
-- catalog (a partial index keeps the unpriced backlog cheap to find).
CREATE INDEX usage_records_organization_idx ON ingestion.usage_records (organization_id, occurred_at);
CREATE INDEX usage_records_provider_idx ON ingestion.usage_records (provider, occurred_at);
CREATE INDEX usage_records_unpriced_idx ON ingestion.usage_records (provider, occurred_at) WHERE cost_status = 'unpriced';

-- Which copy of an event id counts: the first claim per project. Not partitioned, because the key must be unique
-- whatever the copies' timestamps say; claims older than the dedup window are pruned on a schedule.
CREATE TABLE ingestion.usage_event_claims (
  project_id  uuid           NOT NULL,
  event_id    text           NOT NULL,
  occurred_at timestamptz(3) NOT NULL,
  claimed_at  timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, event_id)
);
-- BRIN: claims arrive in claimed_at order, so a block-range index finds the expired ones for a fraction of what a
-- b-tree would cost on every insert of the hot path.
CREATE INDEX usage_event_claims_claimed_at_idx ON ingestion.usage_event_claims USING brin (claimed_at);

-- Rollups: the sums dashboards read, kept in the same transaction as the records they sum. `cost` adds priced and
-- explicit costs; `unpriced` counts what could not be priced.
CREATE TABLE ingestion.usage_rollups_hourly (
  organization_id     uuid           NOT NULL,
  project_id          uuid           NOT NULL,
  bucket              timestamptz(3) NOT NULL,
  provider            text           NOT NULL,
  model               text           NOT NULL,
  requests            bigint         NOT NULL,
  errors              bigint         NOT NULL,
  unpriced            bigint         NOT NULL,
  input_tokens        bigint         NOT NULL,
  output_tokens       bigint         NOT NULL,
  cached_input_tokens bigint         NOT NULL,
  cache_write_tokens  bigint         NOT NULL,
  reasoning_tokens    bigint         NOT NULL,
  cost                numeric(28,12) NOT NULL,
  latency_ms_sum      bigint         NOT NULL,
  PRIMARY KEY (project_id, bucket, provider, model)
);
CREATE INDEX usage_rollups_hourly_organization_idx ON ingestion.usage_rollups_hourly (organization_id, bucket);

-- Same shape, one bucket per UTC day (indexes included).
CREATE TABLE ingestion.usage_rollups_daily (LIKE ingestion.usage_rollups_hourly INCLUDING ALL);

CREATE TABLE ingestion.usage_rollups_daily_users (
  organization_id     uuid           NOT NULL,
  project_id          uuid           NOT NULL,
  bucket              timestamptz(3) NOT NULL,
  -- '' for records without a user: a primary key cannot hold NULL.
  user_id             text           NOT NULL,
  requests            bigint         NOT NULL,
  errors              bigint         NOT NULL,
  unpriced            bigint         NOT NULL,
  input_tokens        bigint         NOT NULL,
  output_tokens       bigint         NOT NULL,
  cached_input_tokens bigint         NOT NULL,
  cache_write_tokens  bigint         NOT NULL,
  reasoning_tokens    bigint         NOT NULL,
  cost                numeric(28,12) NOT NULL,
  latency_ms_sum      bigint         NOT NULL,
  PRIMARY KEY (project_id, bucket, user_id)
);
CREATE INDEX usage_rollups_daily_users_organization_idx ON ingestion.usage_rollups_daily_users (organization_id, bucket);

-- A record with n tags adds to n rows: sums over one tag name never count a record twice.
CREATE TABLE ingestion.usage_rollups_daily_tags (
  organization_id     uuid           NOT NULL,
  project_id          uuid           NOT NULL,
  bucket              timestamptz(3) NOT NULL,
  tag_key             text           NOT NULL,
  tag_value           text           NOT NULL,
  requests            bigint         NOT NULL,
  errors              bigint         NOT NULL,
  unpriced            bigint         NOT NULL,
  input_tokens        bigint         NOT NULL,
  output_tokens       bigint         NOT NULL,
  cached_input_tokens bigint         NOT NULL,
  cache_write_tokens  bigint         NOT NULL,
  reasoning_tokens    bigint         NOT NULL,
  cost                numeric(28,12) NOT NULL,
  latency_ms_sum      bigint         NOT NULL,
  PRIMARY KEY (project_id, tag_key, bucket, tag_value)
);
CREATE INDEX usage_rollups_daily_tags_organization_idx ON ingestion.usage_rollups_daily_tags (organization_id, tag_key, bucket);

-- The catalog as the last refresh left it, for `ingestion.query.pricing-models`.
CREATE TABLE ingestion.price_entries (
  id             text           PRIMARY KEY,
  source_id      text           NOT NULL,
  provider       text           NOT NULL,
  model          text           NOT NULL,
  aliases        text[]         NOT NULL DEFAULT '{}',
  patterns       jsonb          NOT NULL DEFAULT '[]',
  effective_from timestamptz(3),
  effective_to   timestamptz(3),
  time_of_day    jsonb,
  currency       text           NOT NULL DEFAULT 'USD',
  rates          jsonb          NOT NULL,
  tiers          jsonb          NOT NULL DEFAULT '[]',
  refresh_id     uuid           NOT NULL
);
CREATE INDEX price_entries_model_idx ON ingestion.price_entries (provider, model);

-- Latest revision of the catalog stream ('catalog') and of each organization's override stream
-- ('org:<uuid>') the projection has applied: a batch priced with an older one is queued for repricing.
CREATE TABLE ingestion.pricing_revisions (
  scope    text   PRIMARY KEY,
  revision bigint NOT NULL
);

-- Repricing work, written by the projection when it applies a pricing event and drained by the repricer.
CREATE TABLE ingestion.reprice_jobs (
  id                 uuid           PRIMARY KEY,
  organization_id    uuid,
  -- The pricing state the run must see: the catalog's or the organization's override stream revision.
  required_revision  bigint         NOT NULL,
  scopes             jsonb          NOT NULL,
  scope_index        integer        NOT NULL DEFAULT 0,
  cursor             jsonb,
  created_at         timestamptz(3) NOT NULL DEFAULT now(),
  done_at            timestamptz(3)
);
CREATE INDEX reprice_jobs_pending_idx ON ingestion.reprice_jobs (created_at) WHERE done_at IS NULL;

CREATE TABLE ingestion.reprice_queue (
  project_id         uuid           NOT NULL,
  event_id           text           NOT NULL,
  occurred_at        timestamptz(3) NOT NULL,
  organization_id    uuid           NOT NULL,
  catalog_revision   bigint         NOT NULL,
  overrides_revision bigint         NOT NULL,
  queued_at          timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, event_id, occurred_at)
);

-- Creates the partition of `month` (any instant in it, read in UTC) unless it exists, moving the rows the default
-- partition already holds for that month. SECURITY DEFINER: the application role may create months, nothing else.
CREATE FUNCTION ingestion.ensure_usage_partition(month timestamptz) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ingestion, pg_temp AS $$
DECLARE
  start_at timestamptz := date_trunc('month', month, 'UTC');
  end_at   timestamptz := date_trunc('month', start_at + interval '1 month', 'UTC');
  name     text        := 'usage_records_' || to_char(start_at AT TIME ZONE 'UTC', 'YYYY_MM');
BEGIN
  IF to_regclass('ingestion.' || name) IS NOT NULL THEN
    RETURN name;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('ingestion.usage_records partitions'));
  IF to_regclass('ingestion.' || name) IS NOT NULL THEN
    RETURN name;
  END IF;
  EXECUTE format('CREATE TABLE ingestion.%I (LIKE ingestion.usage_records INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
  EXECUTE format(
    'WITH moved AS (DELETE FROM ingestion.usage_records_default WHERE occurred_at >= %L AND occurred_at < %L RETURNING *)
     INSERT INTO ingestion.%I SELECT * FROM moved',
    start_at, end_at, name);
  EXECUTE format('ALTER TABLE ingestion.usage_records ATTACH PARTITION ingestion.%I FOR VALUES FROM (%L) TO (%L)',
    name, start_at, end_at);
  RETURN name;
END
$$;

GRANT SELECT, INSERT, UPDATE ON ingestion.usage_records TO llmlab_app;
GRANT SELECT, INSERT, DELETE ON ingestion.usage_event_claims TO llmlab_app;
GRANT SELECT, INSERT, UPDATE ON ingestion.usage_rollups_hourly, ingestion.usage_rollups_daily,
  ingestion.usage_rollups_daily_users, ingestion.usage_rollups_daily_tags TO llmlab_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ingestion.price_entries TO llmlab_app;
GRANT SELECT, INSERT, UPDATE ON ingestion.pricing_revisions TO llmlab_app;
GRANT SELECT, INSERT, UPDATE ON ingestion.reprice_jobs TO llmlab_app;
GRANT SELECT, INSERT, DELETE ON ingestion.reprice_queue TO llmlab_app;
REVOKE ALL ON FUNCTION ingestion.ensure_usage_partition(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ingestion.ensure_usage_partition(timestamptz) TO llmlab_app;

-- Down Migration
DROP FUNCTION ingestion.ensure_usage_partition(timestamptz);
DROP TABLE ingestion.reprice_queue;
DROP TABLE ingestion.reprice_jobs;
DROP TABLE ingestion.pricing_revisions;
DROP TABLE ingestion.price_entries;
DROP TABLE ingestion.usage_rollups_daily_tags;
DROP TABLE ingestion.usage_rollups_daily_users;
DROP TABLE ingestion.usage_rollups_daily;
DROP TABLE ingestion.usage_rollups_hourly;
DROP TABLE ingestion.usage_event_claims;
DROP TABLE ingestion.usage_records;
