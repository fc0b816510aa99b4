-- Up Migration
-- A route may apply to the calls of one feature only (`tags.feature`; '' for calls without one), and may apply a
-- model right-sizing recommendation: a project has one route per model name and feature, each known by its id.
ALTER TABLE proxy.routes DROP CONSTRAINT routes_pkey;
ALTER TABLE proxy.routes DROP CONSTRAINT routes_route_id_key;
ALTER TABLE proxy.routes ADD PRIMARY KEY (route_id);
ALTER TABLE proxy.routes ADD COLUMN feature text, ADD COLUMN recommendation_id uuid;
CREATE UNIQUE INDEX routes_project_model_feature_key ON proxy.routes (project_id, model, coalesce(feature, E'\x01'));
CREATE INDEX routes_project_id_idx ON proxy.routes (project_id);

-- Down Migration
DROP INDEX proxy.routes_project_id_idx;
DROP INDEX proxy.routes_project_model_feature_key;
DELETE FROM proxy.routes WHERE feature IS NOT NULL;
ALTER TABLE proxy.routes DROP COLUMN feature, DROP COLUMN recommendation_id;
ALTER TABLE proxy.routes DROP CONSTRAINT routes_pkey;
ALTER TABLE proxy.routes ADD PRIMARY KEY (project_id, model);
ALTER TABLE proxy.routes ADD CONSTRAINT routes_route_id_key UNIQUE (route_id);
