-- Up Migration

-- One end user's records of a project, newest first: the usage list filtered by userId (alone or with a model or a
-- status) reads them from here instead of walking the project's whole range by the primary key and throwing away
-- all the other users' records (docs/query-plans.md). The erasure of an end user finds its records here too.
-- Records without a user are never looked up by user, so they stay out of the index.
CREATE INDEX usage_records_user_idx ON ingestion.usage_records (project_id, user_id, occurred_at, event_id) WHERE user_id IS NOT NULL;

-- Down Migration

DROP INDEX ingestion.usage_records_user_idx;
