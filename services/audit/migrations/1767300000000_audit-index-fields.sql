-- Up Migration

-- What the audit index remembers of a resource (its fields as created, then as each update left them), so that an
-- update, whose event carries only the new values, is listed from→to (a budget's amount, a project's name). The
-- organization's own labels and settings only: never personal data.
CREATE TABLE audit.entry_fields (
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  fields jsonb NOT NULL,
  PRIMARY KEY (resource_type, resource_id)
);

GRANT SELECT, INSERT, UPDATE ON audit.entry_fields TO llmlab_app;

-- The organization a project was created in, for a denied request that named another tenant's `{projectId}`.
CREATE INDEX entries_created_projects_idx ON audit.entries (resource_id) WHERE type = 'ProjectCreated';

-- Down Migration
DROP INDEX audit.entries_created_projects_idx;
DROP TABLE audit.entry_fields;
