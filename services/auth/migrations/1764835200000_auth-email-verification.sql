-- Up Migration

-- Set by EmailVerified: the user proved they receive mail at the address (needed to join another organization).
ALTER TABLE auth.users ADD COLUMN email_verified_at timestamptz(3);

-- Write side, never in events: the single-use tokens of mailed links (email verification, invitations). Only the
-- SHA-256 of a token is stored; the token itself exists in the mail alone.
CREATE TABLE auth.email_tokens (
  token_hash text PRIMARY KEY,
  purpose text NOT NULL CHECK (purpose IN ('verify-email', 'invitation')),
  -- The user whose address is verified, or the invitation.
  subject_id uuid NOT NULL,
  created_at timestamptz(3) NOT NULL,
  expires_at timestamptz(3) NOT NULL,
  used_at timestamptz(3)
);
CREATE INDEX email_tokens_subject_idx ON auth.email_tokens (subject_id);
GRANT SELECT, INSERT, UPDATE, DELETE ON auth.email_tokens TO llmlab_app;

-- Down Migration
DROP TABLE auth.email_tokens;
ALTER TABLE auth.users DROP COLUMN email_verified_at;
