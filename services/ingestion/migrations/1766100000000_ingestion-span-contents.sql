-- Up Migration

-- Captured prompt and completion text (content capture on): one row per (project, trace, span), each text sealed
-- with AES-256-GCM under the project's content key, bound to (project, trace, span, input|output). `user_id` is
-- the span's end user, for erasure across a project; `expires_at` is the capture instant plus the organization's
-- retention days, after which the maintenance job deletes the row.
CREATE TABLE ingestion.span_contents (
  organization_id uuid        NOT NULL,
  project_id      uuid        NOT NULL,
  trace_id        text        NOT NULL,
  span_id         text        NOT NULL,
  user_id         text,
  input_sealed    text,
  output_sealed   text,
  truncated       boolean     NOT NULL,
  captured_at     timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  PRIMARY KEY (project_id, trace_id, span_id)
);
CREATE INDEX span_contents_user_idx ON ingestion.span_contents (project_id, user_id) WHERE user_id IS NOT NULL;
CREATE INDEX span_contents_expiry_idx ON ingestion.span_contents (expires_at);

-- Content keys, one per project (subject `project:<projectId>`), wrapped by the master key (libs/crypto's
-- SubjectKeyStore; `npm run keys:rotate` re-wraps them).
CREATE TABLE ingestion.content_keys (
  subject_id  text        PRIMARY KEY,
  wrapped_key bytea       NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE ingestion.content_keys;
DROP TABLE ingestion.span_contents;
