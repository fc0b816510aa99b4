-- Up Migration

-- Named data keys of the service, wrapped by the master key like the subject keys (same columns, so
-- `npm run keys:rotate` re-wraps them too): `email-lookup` keys the email hashes and `signing-keys` encrypts the
-- private signing keys. Stored rather than derived from the master key, because email hashes live in immutable
-- events and must stay the same when the master key is rotated. At first start they are the keys derived so far.
CREATE TABLE auth.service_keys (
  subject_id text PRIMARY KEY,
  wrapped_key bytea NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE ON auth.service_keys TO llmlab_app;

-- Down Migration
DROP TABLE auth.service_keys;
