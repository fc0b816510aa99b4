-- Up Migration
-- A route's opt-in response cache: how long its answers are kept (null: no cache).
ALTER TABLE proxy.routes ADD COLUMN cache_ttl_seconds integer;

-- Down Migration
ALTER TABLE proxy.routes DROP COLUMN cache_ttl_seconds;
