-- Up Migration

-- An organization's end users by the month, without the project (issue 15, docs/query-plans.md): an organization's
-- ranking of its end users over a month reads one row per user and month instead of one per user, project and
-- month, and groups nothing across projects. The edges of a range that does not start or end on a month are the
-- projects' daily end-user rows of the organization (usage_rollups_daily_users_organization_idx) and the records,
-- as for a project. Kept by the projection's statement with the other rollups, in the same transaction, and
-- corrected by the same paths (repricing, end-user erasure, retention). The same columns as the projects' months of
-- end users ('' for records without a user) but the project, keyed by the organization.
CREATE TABLE ingestion.usage_rollups_org_monthly_users (LIKE ingestion.usage_rollups_monthly_users);
ALTER TABLE ingestion.usage_rollups_org_monthly_users DROP COLUMN project_id, ADD PRIMARY KEY (organization_id, bucket, user_id);

-- Filled from the projects' months of end users, which sum the same records (and, past retention, the kept days).
INSERT INTO ingestion.usage_rollups_org_monthly_users
SELECT organization_id, bucket, user_id, sum(requests), sum(errors), sum(unpriced), sum(input_tokens), sum(output_tokens),
  sum(cached_input_tokens), sum(cache_write_tokens), sum(reasoning_tokens), sum(cost), sum(latency_ms_sum)
FROM ingestion.usage_rollups_monthly_users GROUP BY organization_id, bucket, user_id;

GRANT SELECT, INSERT, UPDATE, DELETE ON ingestion.usage_rollups_org_monthly_users TO llmlab_app;

-- Down Migration

DROP TABLE ingestion.usage_rollups_org_monthly_users;
