-- Up Migration
-- A budget the proxy enforces: it refuses the calls the budget covers once the period's spend reaches the amount.
ALTER TABLE alerts.budgets ADD COLUMN enforce boolean NOT NULL DEFAULT false;
-- What the proxy asks before a call: the enforced budgets of an organization.
CREATE INDEX budgets_enforced_idx ON alerts.budgets (organization_id) WHERE enforce AND deleted_at IS NULL;

-- Down Migration
DROP INDEX alerts.budgets_enforced_idx;
ALTER TABLE alerts.budgets DROP COLUMN enforce;
