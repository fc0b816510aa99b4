-- Up Migration

-- The Merkle tree (RFC 9162) over the event store's event hashes, in position order. One row per complete
-- subtree: level 0 holds the leaf hashes (leaf index = position - 1), level l the root of leaves
-- [index * 2^l, (index + 1) * 2^l). A proof of any tree size reads O(log n) of them.
CREATE TABLE audit.merkle_nodes (
  level smallint NOT NULL CHECK (level BETWEEN 0 AND 62),
  index bigint NOT NULL CHECK (index >= 0),
  hash bytea NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, index)
);

-- Where the tree stands (one row): its size, the right edge of complete subtrees (hex, largest first), and the
-- event hash of its last leaf, the anchor every later event must chain to.
CREATE TABLE audit.merkle_state (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  tree_size bigint NOT NULL CHECK (tree_size >= 0),
  edge jsonb NOT NULL,
  last_event_hash text,
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);

-- Signed tree heads, one per signed size. The timestamp is the signed one (milliseconds, UTC).
CREATE TABLE audit.tree_heads (
  tree_size bigint PRIMARY KEY CHECK (tree_size >= 1),
  root_hash text NOT NULL CHECK (root_hash ~ '^[0-9a-f]{64}$'),
  signed_at timestamptz(3) NOT NULL,
  key_id text NOT NULL,
  signature text NOT NULL
);

-- Public keys of the tree heads, published at /.well-known/llmlab-audit-keys.json. The private key is a data key
-- of audit.service_keys (subject `tree-head-signing-key:<kid>`), wrapped by the master key.
CREATE TABLE audit.signing_keys (
  kid text PRIMARY KEY,
  public_key text NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  retired_at timestamptz(3)
);

-- Named data keys of the service, wrapped by the master key (the columns of libs/crypto's SubjectKeyStore, so
-- `npm run keys:rotate` re-wraps them).
CREATE TABLE audit.service_keys (
  subject_id text PRIMARY KEY,
  wrapped_key bytea NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);

-- What the continuous verification found: an open incident (resolved_at null) keeps the service degraded and
-- stops signing until an operator has looked at the store.
CREATE TABLE audit.integrity_incidents (
  id bigserial PRIMARY KEY,
  position bigint NOT NULL,
  reason text NOT NULL,
  detail text NOT NULL,
  detected_at timestamptz(3) NOT NULL DEFAULT now(),
  resolved_at timestamptz(3)
);
CREATE UNIQUE INDEX integrity_incidents_open_idx ON audit.integrity_incidents ((true)) WHERE resolved_at IS NULL;

GRANT SELECT, INSERT, UPDATE ON audit.merkle_nodes, audit.merkle_state, audit.tree_heads, audit.signing_keys,
  audit.service_keys, audit.integrity_incidents TO llmlab_app;
GRANT USAGE ON SEQUENCE audit.integrity_incidents_id_seq TO llmlab_app;

-- Down Migration
DROP TABLE audit.integrity_incidents;
DROP TABLE audit.service_keys;
DROP TABLE audit.signing_keys;
DROP TABLE audit.tree_heads;
DROP TABLE audit.merkle_state;
DROP TABLE audit.merkle_nodes;
