-- Up Migration

-- Retention of usage detail (docs/security.md): when an organization's usage detail expires (UsageDetailExpired),
-- the spend projection strips the end user and tags of its claims older than the cutoff.
CREATE INDEX IF NOT EXISTS usage_claims_organization_idx ON alerts.usage_claims (organization_id, occurred_at);

-- Down Migration

DROP INDEX IF EXISTS alerts.usage_claims_organization_idx;
