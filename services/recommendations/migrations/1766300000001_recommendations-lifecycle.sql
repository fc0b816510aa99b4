-- Up Migration
-- Recommendations as the API lists them, projected from the service's own events (recommendations.recommendation-<id>).
CREATE TABLE recommendations.recommendations (
  id                        uuid           PRIMARY KEY,
  organization_id           uuid           NOT NULL,
  project_id                uuid           NOT NULL,
  kind                      text           NOT NULL,
  status                    text           NOT NULL CHECK (status IN ('open', 'accepted', 'dismissed', 'resolved')),
  -- The findings as they stand (RecommendationFindings), and their estimate, for sorting: NULL when unknown.
  findings                  jsonb          NOT NULL,
  estimated_monthly_savings numeric(28,12),
  opened_at                 timestamptz(3) NOT NULL,
  updated_at                timestamptz(3) NOT NULL,
  accepted_at               timestamptz(3),
  accepted_by               text,
  dismissed_at              timestamptz(3),
  dismissed_by              text,
  dismiss_reason            text,
  resolved_at               timestamptz(3),
  revision                  bigint         NOT NULL
);
CREATE INDEX recommendations_project_idx ON recommendations.recommendations (project_id, status, estimated_monthly_savings DESC NULLS LAST, id DESC);
CREATE INDEX recommendations_organization_idx ON recommendations.recommendations (organization_id, status, estimated_monthly_savings DESC NULLS LAST, id DESC);

GRANT SELECT, INSERT, UPDATE ON recommendations.recommendations TO llmlab_app;

-- Down Migration
DROP TABLE recommendations.recommendations;
