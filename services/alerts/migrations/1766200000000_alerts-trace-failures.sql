-- Up Migration
-- The trace_failures rule: the outcome of each trace the ingestion service's detectors evaluated (TracesEvaluated),
-- one row per trace. A trace evaluated again (a late span) replaces its row, so each trace counts once, in the
-- hour of its latest evaluation.
CREATE TABLE alerts.trace_outcomes (
  project_id      uuid           NOT NULL,
  trace_id        text           NOT NULL,
  organization_id uuid           NOT NULL,
  evaluated_at    timestamptz(3) NOT NULL,
  -- The flag types the detectors raised; empty when the trace looked healthy.
  flags           text[]         NOT NULL,
  PRIMARY KEY (project_id, trace_id)
);
CREATE INDEX trace_outcomes_project_hour_idx ON alerts.trace_outcomes (organization_id, project_id, evaluated_at);
CREATE INDEX trace_outcomes_evaluated_at_idx ON alerts.trace_outcomes (evaluated_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON alerts.trace_outcomes TO llmlab_app;

ALTER TABLE alerts.alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE alerts.alerts ADD CONSTRAINT alerts_kind_check
  CHECK (kind IN ('threshold', 'forecast', 'anomaly', 'error_rate', 'trace_failures', 'unpriced', 'reconciliation'));

-- Down Migration
ALTER TABLE alerts.alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE alerts.alerts ADD CONSTRAINT alerts_kind_check
  CHECK (kind IN ('threshold', 'forecast', 'anomaly', 'error_rate', 'unpriced', 'reconciliation'));
DROP TABLE alerts.trace_outcomes;
