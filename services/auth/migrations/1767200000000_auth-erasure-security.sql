-- Up Migration

-- Erasure (UserErased): the user's row stays (ids in other read models and events still name it), without the email
-- lookup hash and the ciphertexts; the hash is released so the address can be registered again.
ALTER TABLE auth.users ALTER COLUMN email_hash DROP NOT NULL;
ALTER TABLE auth.users ALTER COLUMN email_ciphertext DROP NOT NULL;
ALTER TABLE auth.users ALTER COLUMN name_ciphertext DROP NOT NULL;
ALTER TABLE auth.users ADD COLUMN erased_at timestamptz(3);
-- Settled invitations the erased user received lose the hash too: a new account with the address must not see them.
ALTER TABLE auth.invitations ALTER COLUMN email_hash DROP NOT NULL;

-- OrganizationClosed: the only member (its owner) was erased; a closed organization has no members and no usable keys.
ALTER TABLE auth.organizations ADD COLUMN closed_at timestamptz(3);

-- The data export lists a user's sessions with where and when they were used. Personal data, so it lives here
-- (mutable, deleted on erasure), never in an event.
ALTER TABLE auth.refresh_token_families ADD COLUMN ip text;
ALTER TABLE auth.refresh_token_families ADD COLUMN user_agent text;
ALTER TABLE auth.refresh_token_families ADD COLUMN last_used_at timestamptz(3);
ALTER TABLE auth.refresh_token_families DROP CONSTRAINT refresh_token_families_revoked_reason_check;
ALTER TABLE auth.refresh_token_families ADD CONSTRAINT refresh_token_families_revoked_reason_check
  CHECK (revoked_reason IN ('logout', 'refresh_token_reuse', 'erasure'));

-- When an API key last authenticated a request, written at most once a minute per key (Redis-debounced), not by
-- an event: a column, not an event per request (issue 14). Not rebuilt from the event store.
ALTER TABLE auth.api_keys ADD COLUMN last_used_at timestamptz(3);

-- Down Migration
ALTER TABLE auth.api_keys DROP COLUMN last_used_at;
ALTER TABLE auth.refresh_token_families DROP CONSTRAINT refresh_token_families_revoked_reason_check;
ALTER TABLE auth.refresh_token_families ADD CONSTRAINT refresh_token_families_revoked_reason_check
  CHECK (revoked_reason IN ('logout', 'refresh_token_reuse'));
ALTER TABLE auth.refresh_token_families DROP COLUMN last_used_at;
ALTER TABLE auth.refresh_token_families DROP COLUMN user_agent;
ALTER TABLE auth.refresh_token_families DROP COLUMN ip;
ALTER TABLE auth.organizations DROP COLUMN closed_at;
ALTER TABLE auth.users DROP COLUMN erased_at;
