-- Up Migration

-- End users (contracts' end-users.ts): the ledgers carry a keyed pseudonym of the `userId` a usage event or span
-- names (`eu_` + 128 bits of HMAC-SHA256 under the organization's key, subject `end-users:<organizationId>` in
-- ingestion.content_keys); this maps a project's pseudonyms to the ids, written before the ledger append and read
-- by the projections. Erasing an end user deletes its row and re-keys the read models to the erased marker.
CREATE TABLE ingestion.end_users (
  project_id      uuid        NOT NULL,
  pseudonym       text        NOT NULL,
  organization_id uuid        NOT NULL,
  user_id         text        NOT NULL,
  first_seen_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, pseudonym)
);

-- Down Migration
DROP TABLE ingestion.end_users;
