-- Up Migration

-- Retention of usage detail (docs/security.md): when an organization's usage detail expires (UsageDetailExpired),
-- the traffic projection strips the feature and prompt-prefix fingerprint of its claims older than the cutoff.
CREATE INDEX IF NOT EXISTS usage_claims_organization_idx ON recommendations.usage_claims (organization_id, day);

-- Down Migration

DROP INDEX IF EXISTS recommendations.usage_claims_organization_idx;
