-- Up Migration
-- Calls their sender tagged as able to wait (`tags: { latency: 'batch' }`): the batch-API recommender takes a
-- feature so tagged without having to infer it from bursts with no end user.
ALTER TABLE recommendations.traffic_daily ADD COLUMN batch_tagged bigint NOT NULL DEFAULT 0;

-- Down Migration
ALTER TABLE recommendations.traffic_daily DROP COLUMN batch_tagged;
