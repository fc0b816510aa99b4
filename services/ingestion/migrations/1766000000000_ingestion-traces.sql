-- Up Migration

-- Traces as the projection sees them: one row per (project, trace id), summed from the trace's spans and model
-- calls. `cost` and the token columns sum the usage records the ledger counted for the trace (repricing corrects
-- `cost` with the records'); `last_activity_at` is when the projection last added to the trace, and
-- `evaluated_at` is null until the detectors ran over it after the idle time (a late span sets it back to null).
CREATE TABLE ingestion.traces (
  organization_id     uuid           NOT NULL,
  project_id          uuid           NOT NULL,
  trace_id            text           NOT NULL,
  name                text,
  root_span_id        text,
  started_at          timestamptz    NOT NULL,
  ended_at            timestamptz    NOT NULL,
  span_count          integer        NOT NULL DEFAULT 0,
  model_calls         integer        NOT NULL DEFAULT 0,
  error_spans         integer        NOT NULL DEFAULT 0,
  input_tokens        bigint         NOT NULL DEFAULT 0,
  output_tokens       bigint         NOT NULL DEFAULT 0,
  cached_input_tokens bigint         NOT NULL DEFAULT 0,
  cache_write_tokens  bigint         NOT NULL DEFAULT 0,
  reasoning_tokens    bigint         NOT NULL DEFAULT 0,
  cost                numeric(28,12) NOT NULL DEFAULT 0,
  unpriced            integer        NOT NULL DEFAULT 0,
  session_id          text,
  user_id             text,
  tags                jsonb          NOT NULL DEFAULT '{}',
  flags               text[]         NOT NULL DEFAULT '{}',
  last_activity_at    timestamptz(3) NOT NULL,
  evaluated_at        timestamptz(3),
  PRIMARY KEY (project_id, trace_id)
);
CREATE INDEX traces_started_idx ON ingestion.traces (project_id, started_at DESC, trace_id);
CREATE INDEX traces_session_idx ON ingestion.traces (project_id, session_id, started_at) WHERE session_id IS NOT NULL;
CREATE INDEX traces_name_idx ON ingestion.traces (project_id, name, started_at);
-- The detectors' work list: traces not evaluated since their last span, oldest activity first.
CREATE INDEX traces_pending_idx ON ingestion.traces (last_activity_at) WHERE evaluated_at IS NULL;

-- The spans of each trace. `source` says where the row came from: `otlp` (a span the intake accepted) or `usage`
-- (a usage event naming a trace and span, with no span of its own yet: a model call sent by the SDK). An OTLP span
-- arriving later replaces a `usage` row; never the reverse.
CREATE TABLE ingestion.trace_spans (
  project_id          uuid           NOT NULL,
  trace_id            text           NOT NULL,
  span_id             text           NOT NULL,
  parent_span_id      text,
  name                text           NOT NULL,
  kind                text           NOT NULL,
  category            text           NOT NULL,
  start_time          timestamptz    NOT NULL,
  end_time            timestamptz    NOT NULL,
  status              text           NOT NULL,
  status_message      text,
  service_name        text,
  source              text           NOT NULL,
  operation           text,
  provider            text,
  model               text,
  tool_name           text,
  tool_arguments_hash text,
  usage_event_id      text,
  input_tokens        bigint,
  tags                jsonb          NOT NULL DEFAULT '{}',
  attributes          jsonb          NOT NULL DEFAULT '{}',
  events              jsonb          NOT NULL DEFAULT '[]',
  recorded_position   bigint         NOT NULL,
  PRIMARY KEY (project_id, trace_id, span_id)
);

-- Which model call counts for a (trace, span): the first usage record claiming it, whether it came as a usage
-- event or as an OTLP span. A second record naming the same span is a duplicate, as a repeated event id is.
CREATE TABLE ingestion.usage_span_claims (
  project_id  uuid           NOT NULL,
  trace_id    text           NOT NULL,
  span_id     text           NOT NULL,
  event_id    text           NOT NULL,
  occurred_at timestamptz(3) NOT NULL,
  claimed_at  timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, trace_id, span_id)
);
CREATE INDEX usage_span_claims_claimed_at_idx ON ingestion.usage_span_claims USING brin (claimed_at);

-- The flags of a trace's latest evaluation, each with the spans it points at.
CREATE TABLE ingestion.trace_flags (
  project_id  uuid           NOT NULL,
  trace_id    text           NOT NULL,
  type        text           NOT NULL,
  span_ids    text[]         NOT NULL,
  summary     text           NOT NULL,
  figures     jsonb          NOT NULL,
  detected_at timestamptz(3) NOT NULL,
  PRIMARY KEY (project_id, trace_id, type)
);

-- Usage records of a trace, for the trace view.
CREATE INDEX usage_records_trace_idx ON ingestion.usage_records (project_id, trace_id) WHERE trace_id IS NOT NULL;

GRANT SELECT, INSERT, UPDATE, DELETE ON ingestion.traces, ingestion.trace_spans, ingestion.trace_flags TO llmlab_app;
GRANT SELECT, INSERT, DELETE ON ingestion.usage_span_claims TO llmlab_app;

-- Down Migration
DROP INDEX ingestion.usage_records_trace_idx;
DROP TABLE ingestion.trace_flags;
DROP TABLE ingestion.usage_span_claims;
DROP TABLE ingestion.trace_spans;
DROP TABLE ingestion.traces;
