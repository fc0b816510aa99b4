-- Up Migration

-- Roles are cluster-wide and many databases are migrated in parallel on one cluster (tests), so creating the role
-- must tolerate losing the race to another migration, which surfaces as either of these two errors.
DO $$
BEGIN
  CREATE ROLE llmlab_app NOLOGIN;
EXCEPTION
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

CREATE TABLE event_store.events (
  position    bigint      NOT NULL,
  stream_id   text        NOT NULL,
  revision    bigint      NOT NULL,
  event_id    uuid        NOT NULL,
  type        text        NOT NULL,
  version     integer     NOT NULL DEFAULT 1,
  data        jsonb       NOT NULL,
  metadata    jsonb       NOT NULL,
  recorded_at timestamptz NOT NULL,
  prev_hash   text        NOT NULL,
  hash        text        NOT NULL,
  CONSTRAINT events_pkey PRIMARY KEY (position),
  CONSTRAINT events_stream_revision_key UNIQUE (stream_id, revision),
  CONSTRAINT events_event_id_key UNIQUE (event_id),
  CONSTRAINT events_position_check CHECK (position >= 1),
  CONSTRAINT events_revision_check CHECK (revision >= 0),
  CONSTRAINT events_version_check CHECK (version >= 1),
  CONSTRAINT events_stream_id_check CHECK (stream_id <> ''),
  CONSTRAINT events_type_check CHECK (type <> '')
);

COMMENT ON TABLE event_store.events IS
  'Append-only event log and audit trail. Positions, prev_hash, hash and recorded_at are set by trigger; UPDATE, DELETE and TRUNCATE are rejected.';

-- The one lock that serializes appends. Held until commit, it keeps positions gap-free and makes them become
-- visible in order: a reader can never see position n+1 while n is still uncommitted. The key spells "ev_store".
CREATE FUNCTION event_store.lock_appends() RETURNS void
LANGUAGE sql AS $$
  SELECT pg_advisory_xact_lock(x'65765f73746f7265'::bigint)
$$;

-- Canonical encoding hashed for the chain: a JSON array whose text form PostgreSQL renders deterministically
-- (jsonb sorts object keys and fixes spacing), with the time in UTC so no session setting can change it.
CREATE FUNCTION event_store.canonical_encoding(e event_store.events) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_array(
    e.position,
    e.stream_id,
    e.revision,
    e.event_id,
    e.type,
    e.version,
    e.data,
    e.metadata,
    to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    e.prev_hash
  )::text
$$;

CREATE FUNCTION event_store.event_hash(e event_store.events) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT encode(sha256(convert_to(event_store.canonical_encoding(e), 'UTF8')), 'hex')
$$;

-- Every insert, whoever writes it, goes through here: the chain and the ordering cannot be forgotten or forged.
-- Queries in a volatile PL/pgSQL function take a fresh snapshot after the lock is granted, and they see the rows
-- already inserted by the same statement, so multi-row inserts chain row by row.
CREATE FUNCTION event_store.events_before_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  head_position bigint;
  head_hash text;
  stream_revision bigint;
BEGIN
  PERFORM event_store.lock_appends();

  SELECT position, hash INTO head_position, head_hash
    FROM event_store.events ORDER BY position DESC LIMIT 1;
  SELECT revision INTO stream_revision
    FROM event_store.events WHERE stream_id = NEW.stream_id ORDER BY revision DESC LIMIT 1;

  IF NEW.revision IS DISTINCT FROM coalesce(stream_revision, -1) + 1 THEN
    RAISE EXCEPTION 'stream %: revision % does not follow revision %', NEW.stream_id, NEW.revision, stream_revision
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;

  NEW.position := coalesce(head_position, 0) + 1;
  NEW.prev_hash := coalesce(head_hash, repeat('0', 64));
  NEW.recorded_at := clock_timestamp();
  NEW.hash := event_store.event_hash(NEW);
  RETURN NEW;
END
$$;

CREATE TRIGGER events_before_insert
  BEFORE INSERT ON event_store.events
  FOR EACH ROW EXECUTE FUNCTION event_store.events_before_insert();

CREATE FUNCTION event_store.reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'event_store.events is append-only: % is not allowed', TG_OP;
END
$$;

-- Statement level, so even an UPDATE or DELETE matching no row is refused.
CREATE TRIGGER events_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON event_store.events
  FOR EACH STATEMENT EXECUTE FUNCTION event_store.reject_change();

-- Delivered on commit only, once per appending statement: it wakes subscribers, who then read by position.
CREATE FUNCTION event_store.events_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  last_position bigint;
BEGIN
  SELECT max(position) INTO last_position FROM appended;
  IF last_position IS NOT NULL THEN
    PERFORM pg_notify('event_store_appended', last_position::text);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER events_notify
  AFTER INSERT ON event_store.events
  REFERENCING NEW TABLE AS appended
  FOR EACH STATEMENT EXECUTE FUNCTION event_store.events_notify();

-- ALWAYS: these triggers also fire with session_replication_role = replica, which would otherwise silence them.
ALTER TABLE event_store.events ENABLE ALWAYS TRIGGER events_before_insert;
ALTER TABLE event_store.events ENABLE ALWAYS TRIGGER events_append_only;

GRANT USAGE ON SCHEMA event_store TO llmlab_app;
GRANT SELECT, INSERT ON event_store.events TO llmlab_app;

-- Down Migration

REVOKE ALL ON event_store.events FROM llmlab_app;
REVOKE USAGE ON SCHEMA event_store FROM llmlab_app;
DROP FUNCTION event_store.event_hash(event_store.events);
DROP FUNCTION event_store.canonical_encoding(event_store.events);
DROP TABLE event_store.events;
DROP FUNCTION event_store.events_notify();
DROP FUNCTION event_store.reject_change();
DROP FUNCTION event_store.events_before_insert();
DROP FUNCTION event_store.lock_appends();
