-- Up Migration

-- Read models for cost queries across an organization and over months (issue 15, docs/query-plans.md): the
-- organization's sums without the project dimension (hourly and daily, by provider and model; daily by tag), tags by
-- the hour per project, and end users by the month per project. Each is kept by the projection's statement with the
-- other rollups, in the same transaction, and corrected by the same paths (repricing, end-user erasure, retention).
CREATE TABLE ingestion.usage_rollups_org_hourly (
  organization_id     uuid           NOT NULL,
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
  PRIMARY KEY (organization_id, bucket, provider, model)
);

CREATE TABLE ingestion.usage_rollups_org_daily (LIKE ingestion.usage_rollups_org_hourly INCLUDING ALL);

CREATE TABLE ingestion.usage_rollups_org_daily_tags (
  organization_id     uuid           NOT NULL,
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
  PRIMARY KEY (organization_id, tag_key, bucket, tag_value)
);

-- Same shape as the daily tag rollup (indexes included), one bucket per UTC hour.
CREATE TABLE ingestion.usage_rollups_hourly_tags (LIKE ingestion.usage_rollups_daily_tags INCLUDING ALL);

-- Same shape as the daily end-user rollup (indexes included), one bucket per UTC month: an organization's ranking of
-- its end users over a month reads one row per user and month instead of one per user and day.
CREATE TABLE ingestion.usage_rollups_monthly_users (LIKE ingestion.usage_rollups_daily_users INCLUDING ALL);

-- Filled from what exists: the organization's rows and the months of end users from the rollups they sum, the hours
-- of tags from the records (a month past its retention has no records left, so only its daily tag rows remain).
INSERT INTO ingestion.usage_rollups_org_hourly
SELECT organization_id, bucket, provider, model, sum(requests), sum(errors), sum(unpriced), sum(input_tokens), sum(output_tokens),
  sum(cached_input_tokens), sum(cache_write_tokens), sum(reasoning_tokens), sum(cost), sum(latency_ms_sum)
FROM ingestion.usage_rollups_hourly GROUP BY organization_id, bucket, provider, model;

INSERT INTO ingestion.usage_rollups_org_daily
SELECT organization_id, bucket, provider, model, sum(requests), sum(errors), sum(unpriced), sum(input_tokens), sum(output_tokens),
  sum(cached_input_tokens), sum(cache_write_tokens), sum(reasoning_tokens), sum(cost), sum(latency_ms_sum)
FROM ingestion.usage_rollups_daily GROUP BY organization_id, bucket, provider, model;

INSERT INTO ingestion.usage_rollups_org_daily_tags
SELECT organization_id, bucket, tag_key, tag_value, sum(requests), sum(errors), sum(unpriced), sum(input_tokens), sum(output_tokens),
  sum(cached_input_tokens), sum(cache_write_tokens), sum(reasoning_tokens), sum(cost), sum(latency_ms_sum)
FROM ingestion.usage_rollups_daily_tags GROUP BY organization_id, bucket, tag_key, tag_value;

INSERT INTO ingestion.usage_rollups_monthly_users
SELECT organization_id, project_id, date_trunc('month', bucket, 'UTC'), user_id, sum(requests), sum(errors), sum(unpriced),
  sum(input_tokens), sum(output_tokens), sum(cached_input_tokens), sum(cache_write_tokens), sum(reasoning_tokens), sum(cost),
  sum(latency_ms_sum)
FROM ingestion.usage_rollups_daily_users GROUP BY organization_id, project_id, date_trunc('month', bucket, 'UTC'), user_id;

INSERT INTO ingestion.usage_rollups_hourly_tags
SELECT r.organization_id, r.project_id, date_trunc('hour', r.occurred_at, 'UTC'), tag.key, tag.value, count(*),
  count(*) FILTER (WHERE r.status = 'error'), count(*) FILTER (WHERE r.cost_status = 'unpriced'), sum(r.input_tokens),
  sum(r.output_tokens), sum(r.cached_input_tokens), sum(r.cache_write_tokens), sum(r.reasoning_tokens),
  sum(coalesce(r.cost, 0)), coalesce(sum(r.latency_ms), 0)
FROM ingestion.usage_records r CROSS JOIN LATERAL jsonb_each_text(r.tags) AS tag(key, value)
GROUP BY r.organization_id, r.project_id, date_trunc('hour', r.occurred_at, 'UTC'), tag.key, tag.value;

GRANT SELECT, INSERT, UPDATE, DELETE ON ingestion.usage_rollups_org_hourly, ingestion.usage_rollups_org_daily,
  ingestion.usage_rollups_org_daily_tags, ingestion.usage_rollups_hourly_tags, ingestion.usage_rollups_monthly_users TO llmlab_app;

-- Down Migration

DROP TABLE ingestion.usage_rollups_monthly_users;
DROP TABLE ingestion.usage_rollups_hourly_tags;
DROP TABLE ingestion.usage_rollups_org_daily_tags;
DROP TABLE ingestion.usage_rollups_org_daily;
DROP TABLE ingestion.usage_rollups_org_hourly;
