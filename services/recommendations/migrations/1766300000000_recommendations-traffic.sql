-- Up Migration
-- The recommendations service's own view of traffic, projected from the ingestion events on EVENTS (never the
-- ingestion schema): per project, provider, model, feature tag and UTC day, the calls, their tokens and cost, and
-- the shape of their prompts and answers; the prompt prefixes they repeat; and the verdicts on their traces.

-- One-hot vector of a histogram bucket, and the element-wise sum of histograms (bucket b counts token counts in
-- [2^(b-1), 2^b), bucket 0 the zeros, the last bucket everything above: see traffic.projection.ts).
CREATE FUNCTION recommendations.one_hot(bucket int, size int) RETURNS bigint[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_agg((g = bucket)::int::bigint ORDER BY g) FROM generate_series(0, size - 1) AS g
$$;
CREATE FUNCTION recommendations.add_buckets(a bigint[], b bigint[]) RETURNS bigint[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN a IS NULL THEN b WHEN b IS NULL THEN a
    ELSE (SELECT array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i) FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i)) END
$$;
CREATE AGGREGATE recommendations.sum_buckets(bigint[]) (SFUNC = recommendations.add_buckets, STYPE = bigint[]);

-- Which copy of a usage event id counts: the first per project, with what a correction needs.
CREATE TABLE recommendations.usage_claims (
  project_id      uuid           NOT NULL,
  event_id        text           NOT NULL,
  organization_id uuid           NOT NULL,
  day             date           NOT NULL,
  provider        text           NOT NULL,
  model           text           NOT NULL,
  feature         text           NOT NULL,
  prefix_hash     text,
  is_error        boolean        NOT NULL,
  -- NULL exactly when unpriced.
  cost            numeric(28,12),
  cost_status     text           NOT NULL CHECK (cost_status IN ('priced', 'unpriced', 'override')),
  claimed_at      timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, event_id)
);
CREATE INDEX usage_claims_claimed_at_idx ON recommendations.usage_claims (claimed_at);

CREATE TABLE recommendations.traffic_daily (
  organization_id     uuid           NOT NULL,
  project_id          uuid           NOT NULL,
  provider            text           NOT NULL,
  model               text           NOT NULL,
  -- The value of the call's `feature` tag, '' when it has none.
  feature             text           NOT NULL,
  day                 date           NOT NULL,
  calls               bigint         NOT NULL,
  errors              bigint         NOT NULL,
  -- Calls that named an end user (someone was waiting for the answer), and calls whose prompt carried tools.
  with_user           bigint         NOT NULL,
  with_tools          bigint         NOT NULL,
  input_tokens        bigint         NOT NULL,
  cached_input_tokens bigint         NOT NULL,
  cache_write_tokens  bigint         NOT NULL,
  output_tokens       bigint         NOT NULL,
  reasoning_tokens    bigint         NOT NULL,
  cost                numeric(28,12) NOT NULL,
  -- Cost of the calls that failed.
  error_cost          numeric(28,12) NOT NULL,
  unpriced            bigint         NOT NULL,
  -- Histograms of output and input tokens per call (log2 buckets), and calls per UTC hour of the day.
  output_buckets      bigint[]       NOT NULL,
  input_buckets       bigint[]       NOT NULL,
  hour_buckets        bigint[]       NOT NULL,
  PRIMARY KEY (organization_id, project_id, provider, model, feature, day)
);
CREATE INDEX traffic_daily_day_idx ON recommendations.traffic_daily (day);

CREATE TABLE recommendations.prefix_daily (
  organization_id     uuid           NOT NULL,
  project_id          uuid           NOT NULL,
  provider            text           NOT NULL,
  model               text           NOT NULL,
  prefix_hash         text           NOT NULL,
  day                 date           NOT NULL,
  calls               bigint         NOT NULL,
  -- The prefix's length and tool count as reported (the largest seen, should two senders disagree).
  prefix_tokens       bigint         NOT NULL,
  tools               integer        NOT NULL,
  input_tokens        bigint         NOT NULL,
  cached_input_tokens bigint         NOT NULL,
  cache_write_tokens  bigint         NOT NULL,
  cost                numeric(28,12) NOT NULL,
  PRIMARY KEY (organization_id, project_id, provider, model, prefix_hash, day)
);
CREATE INDEX prefix_daily_day_idx ON recommendations.prefix_daily (day);

-- The latest verdict of the failure detectors on each trace (TracesEvaluated), with its cost.
CREATE TABLE recommendations.trace_outcomes (
  project_id      uuid           NOT NULL,
  trace_id        text           NOT NULL,
  organization_id uuid           NOT NULL,
  name            text,
  evaluated_at    timestamptz(3) NOT NULL,
  flags           text[]         NOT NULL,
  cost            numeric(28,12) NOT NULL,
  PRIMARY KEY (project_id, trace_id)
);
CREATE INDEX trace_outcomes_project_idx ON recommendations.trace_outcomes (organization_id, project_id, evaluated_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON recommendations.usage_claims, recommendations.traffic_daily,
  recommendations.prefix_daily, recommendations.trace_outcomes TO llmlab_app;

-- Down Migration
DROP TABLE recommendations.trace_outcomes;
DROP TABLE recommendations.prefix_daily;
DROP TABLE recommendations.traffic_daily;
DROP TABLE recommendations.usage_claims;
DROP AGGREGATE recommendations.sum_buckets(bigint[]);
DROP FUNCTION recommendations.add_buckets(bigint[], bigint[]);
DROP FUNCTION recommendations.one_hot(int, int);
