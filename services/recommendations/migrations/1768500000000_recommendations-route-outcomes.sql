-- Up Migration

-- What a proxy route's calls came to, per UTC day, beside their tokens and cost: errors, calls answered by a fallback
-- (a target after the first), and cache hits with what the calls they replayed had cost (`metadata.proxy` of each
-- call). Days counted before this migration read 0 in these columns.
ALTER TABLE recommendations.route_daily
  ADD COLUMN errors      bigint         NOT NULL DEFAULT 0,
  ADD COLUMN fallbacks   bigint         NOT NULL DEFAULT 0,
  ADD COLUMN cache_hits  bigint         NOT NULL DEFAULT 0,
  ADD COLUMN cache_saved numeric(28,12) NOT NULL DEFAULT 0;

-- Down Migration

ALTER TABLE recommendations.route_daily DROP COLUMN errors, DROP COLUMN fallbacks, DROP COLUMN cache_hits, DROP COLUMN cache_saved;
