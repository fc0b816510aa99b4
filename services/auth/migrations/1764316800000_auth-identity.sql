-- Up Migration

-- Write side, mutable by design: what must be erasable or must never reach the event store.

-- One data key per subject (a user, a pending invitation), wrapped by the master key. Deleting the row
-- crypto-shreds every ciphertext of that subject in the event store (DESIGN.md section 2).
CREATE TABLE auth.subject_keys (
  subject_id uuid PRIMARY KEY,
  wrapped_key bytea NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);

-- argon2id hashes (PHC strings), never in events.
CREATE TABLE auth.credentials (
  user_id uuid PRIMARY KEY,
  password_hash text NOT NULL,
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);

-- A refresh-token family is a session; reuse of a rotated token revokes the whole family.
CREATE TABLE auth.refresh_token_families (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  revoked_at timestamptz(3),
  revoked_reason text CHECK (revoked_reason IN ('logout', 'refresh_token_reuse'))
);
CREATE INDEX refresh_token_families_user_idx ON auth.refresh_token_families (user_id);

CREATE TABLE auth.refresh_tokens (
  id uuid PRIMARY KEY,
  family_id uuid NOT NULL REFERENCES auth.refresh_token_families (id),
  -- SHA-256 of the token, hex: the token itself is only ever in the client's hands.
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  expires_at timestamptz(3) NOT NULL,
  used_at timestamptz(3)
);
CREATE INDEX refresh_tokens_family_idx ON auth.refresh_tokens (family_id);

-- Access-token signing keys; the private key is encrypted under a key derived from the master key.
CREATE TABLE auth.signing_keys (
  kid text PRIMARY KEY,
  algorithm text NOT NULL,
  public_jwk jsonb NOT NULL,
  private_key_ciphertext text NOT NULL,
  created_at timestamptz(3) NOT NULL
);
CREATE INDEX signing_keys_created_idx ON auth.signing_keys (created_at DESC);

-- Read models, projected from the auth events (disposable: rebuilt from the event store).

CREATE TABLE auth.users (
  id uuid PRIMARY KEY,
  email_hash text NOT NULL UNIQUE,
  email_ciphertext text NOT NULL,
  name_ciphertext text NOT NULL,
  created_at timestamptz(3) NOT NULL
);

CREATE TABLE auth.organizations (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  management_rate_limit integer CHECK (management_rate_limit > 0),
  ingest_rate_limit integer CHECK (ingest_rate_limit > 0),
  created_at timestamptz(3) NOT NULL,
  updated_at timestamptz(3) NOT NULL,
  revision integer NOT NULL
);

CREATE TABLE auth.memberships (
  organization_id uuid NOT NULL REFERENCES auth.organizations (id),
  user_id uuid NOT NULL,
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  joined_at timestamptz(3) NOT NULL,
  PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX memberships_user_idx ON auth.memberships (user_id);

CREATE TABLE auth.invitations (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES auth.organizations (id),
  email_hash text NOT NULL,
  -- Null once the invitation is settled: its key is destroyed then.
  email_ciphertext text,
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  status text NOT NULL CHECK (status IN ('pending', 'accepted', 'revoked')),
  invited_by uuid NOT NULL,
  invited_at timestamptz(3) NOT NULL,
  settled_at timestamptz(3)
);
CREATE INDEX invitations_pending_email_idx ON auth.invitations (email_hash) WHERE status = 'pending';
CREATE INDEX invitations_organization_idx ON auth.invitations (organization_id);

CREATE TABLE auth.projects (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES auth.organizations (id),
  name text NOT NULL,
  description text,
  created_at timestamptz(3) NOT NULL,
  updated_at timestamptz(3) NOT NULL,
  archived_at timestamptz(3),
  revision integer NOT NULL
);
CREATE INDEX projects_organization_idx ON auth.projects (organization_id);

CREATE TABLE auth.api_keys (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES auth.organizations (id),
  project_id uuid NOT NULL REFERENCES auth.projects (id),
  name text NOT NULL,
  prefix text NOT NULL,
  -- SHA-256 of the key, hex. The key itself is shown once and stored nowhere.
  key_hash text NOT NULL,
  scopes text[] NOT NULL,
  created_by uuid NOT NULL,
  created_at timestamptz(3) NOT NULL,
  expires_at timestamptz(3),
  revoked_at timestamptz(3)
);
-- Not unique: a prefix collision (eight base62 characters) is harmless, every candidate's hash is compared.
CREATE INDEX api_keys_prefix_idx ON auth.api_keys (prefix);
CREATE INDEX api_keys_project_idx ON auth.api_keys (project_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON
  auth.subject_keys, auth.credentials, auth.refresh_token_families, auth.refresh_tokens, auth.signing_keys,
  auth.users, auth.organizations, auth.memberships, auth.invitations, auth.projects, auth.api_keys
TO llmlab_app;

-- Down Migration
DROP TABLE auth.api_keys;
DROP TABLE auth.projects;
DROP TABLE auth.invitations;
DROP TABLE auth.memberships;
DROP TABLE auth.organizations;
DROP TABLE auth.users;
DROP TABLE auth.signing_keys;
DROP TABLE auth.refresh_tokens;
DROP TABLE auth.refresh_token_families;
DROP TABLE auth.credentials;
DROP TABLE auth.subject_keys;
