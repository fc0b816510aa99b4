-- Up Migration

-- A model right-sizing recommendation applied as a proxy route (RecommendationApplied): which route, when, by whom.
ALTER TABLE recommendations.recommendations
  ADD COLUMN applied_route_id uuid,
  ADD COLUMN applied_at timestamptz(3),
  ADD COLUMN applied_by text;

-- The calls a proxy route served (`metadata.proxy.route.routeId` of their usage), per UTC day: what an applied
-- recommendation's realized savings are measured on. The claim keeps its route so a repricing reaches this table too.
ALTER TABLE recommendations.usage_claims ADD COLUMN route_id uuid;
CREATE TABLE recommendations.route_daily (
  organization_id     uuid           NOT NULL,
  project_id          uuid           NOT NULL,
  route_id            uuid           NOT NULL,
  day                 date           NOT NULL,
  calls               bigint         NOT NULL,
  input_tokens        bigint         NOT NULL,
  cached_input_tokens bigint         NOT NULL,
  cache_write_tokens  bigint         NOT NULL,
  output_tokens       bigint         NOT NULL,
  reasoning_tokens    bigint         NOT NULL,
  cost                numeric(28,12) NOT NULL,
  PRIMARY KEY (organization_id, project_id, route_id, day)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON recommendations.route_daily TO llmlab_app;

-- Down Migration

DROP TABLE recommendations.route_daily;
ALTER TABLE recommendations.usage_claims DROP COLUMN route_id;
ALTER TABLE recommendations.recommendations DROP COLUMN applied_route_id, DROP COLUMN applied_at, DROP COLUMN applied_by;
