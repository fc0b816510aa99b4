-- Up Migration
-- The reconciliation rule (provider-sync's discrepancies between billed and recorded spend) is a kind of alert.
ALTER TABLE alerts.alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE alerts.alerts ADD CONSTRAINT alerts_kind_check
  CHECK (kind IN ('threshold', 'forecast', 'anomaly', 'error_rate', 'unpriced', 'reconciliation'));

-- Down Migration
ALTER TABLE alerts.alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE alerts.alerts ADD CONSTRAINT alerts_kind_check
  CHECK (kind IN ('threshold', 'forecast', 'anomaly', 'error_rate', 'unpriced'));
