-- Up Migration

-- An organization's events in position order: the audit service's export and its inclusion-proof tenancy check
-- read them without scanning every tenant's. Appends pay one more index entry per event (one per usage batch).
CREATE INDEX events_organization_position_idx ON event_store.events ((metadata->>'organizationId'), position);

-- Down Migration
DROP INDEX event_store.events_organization_position_idx;
