-- Up Migration
-- The audit service's finding that the event store was tampered with (AuditIntegrityViolated) is a kind of alert.
ALTER TABLE alerts.alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE alerts.alerts ADD CONSTRAINT alerts_kind_check
  CHECK (kind IN ('threshold', 'forecast', 'anomaly', 'error_rate', 'trace_failures', 'unpriced', 'reconciliation', 'audit_integrity'));

-- Down Migration
ALTER TABLE alerts.alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE alerts.alerts ADD CONSTRAINT alerts_kind_check
  CHECK (kind IN ('threshold', 'forecast', 'anomaly', 'error_rate', 'trace_failures', 'unpriced', 'reconciliation'));
