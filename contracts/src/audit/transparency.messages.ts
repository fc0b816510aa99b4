/**
 * The verifiable audit log (issue 14): signed tree heads of the RFC 9162 Merkle tree over the event store's event
 * hashes, and the proofs that tie an event or an older head to them. Hashes are lowercase hex.
 */

/** A tree head the audit service signed with Ed25519 (signed bytes: `libs/transparency` `treeHeadSigningInput`). */
export interface SignedTreeHeadView {
  readonly treeSize: number;
  readonly rootHash: string;
  /** ISO 8601 UTC with milliseconds: part of what is signed. */
  readonly timestamp: string;
  readonly keyId: string;
  /** Base64 Ed25519 signature. */
  readonly signature: string;
}

/** One public key of the audit log as a JWK (RFC 8037). */
export interface AuditPublicKeyView {
  readonly kid: string;
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  readonly x: string;
  readonly alg: 'EdDSA';
  readonly use: 'sig';
  readonly createdAt: string;
}

export interface AuditKeySetView {
  readonly keys: readonly AuditPublicKeyView[];
}

export interface ListTreeHeadsRequest {
  /** Heads of this tree size or larger, oldest first. */
  readonly from?: number;
  readonly limit?: number;
}

export interface TreeHeadList {
  readonly data: readonly SignedTreeHeadView[];
  /** The `from` of the next page, or null at the end. */
  readonly nextFrom: number | null;
}

export interface ConsistencyProofRequest {
  readonly first: number;
  readonly second: number;
}

/** RFC 9162 2.1.4: the nodes that show the tree of `second` events extends the tree of `first` unchanged. */
export interface ConsistencyProofView {
  readonly first: SignedTreeHeadView;
  readonly second: SignedTreeHeadView;
  readonly proof: readonly string[];
}

export interface InclusionProofRequest {
  readonly eventId: string;
  /** A signed head's size; the latest signed head when absent. */
  readonly treeSize?: number;
}

/** RFC 9162 2.1.3: the audit path from the event's leaf to the root of a signed head. */
export interface InclusionProofView {
  readonly eventId: string;
  readonly position: number;
  /** position - 1 */
  readonly leafIndex: number;
  /** The event's own hash (the leaf's data): `SHA-256(0x00 || bytes)` is the leaf hash. */
  readonly eventHash: string;
  readonly treeSize: number;
  readonly auditPath: readonly string[];
  readonly head: SignedTreeHeadView;
}

export type AuditIntegrityStatus = 'verified' | 'tampered' | 'pending';

/** What the continuous verification knows now. */
export interface AuditIntegrityView {
  /** `verified`: every event up to `verifiedThrough` chains and hashes as stored, and the tree agrees with the
   * signed heads; `tampered`: an incident is open; `pending`: nothing verified yet. */
  readonly status: AuditIntegrityStatus;
  readonly treeSize: number;
  readonly verifiedThrough: number;
  readonly latestHead: SignedTreeHeadView | null;
  /** When the whole signed history was last re-derived from the store and matched. */
  readonly lastFullVerificationAt: string | null;
  readonly incident: { readonly position: number; readonly reason: string; readonly detail: string; readonly detectedAt: string } | null;
}

/** One event of an export, with everything an offline verifier needs to recompute its hash. */
export interface AuditExportEvent {
  readonly position: number;
  readonly streamId: string;
  readonly revision: number;
  readonly eventId: string;
  readonly type: string;
  readonly version: number;
  readonly data: unknown;
  readonly metadata: unknown;
  /** The time as the hash encodes it: UTC, microseconds (`2026-12-05T10:11:12.123456Z`). */
  readonly recordedAt: string;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditInclusionProof {
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly auditPath: readonly string[];
}

/** One line of the JSON Lines export (see docs/audit.md). */
export type AuditExportLine =
  | { readonly kind: 'head'; readonly head: SignedTreeHeadView | null }
  | { readonly kind: 'event'; readonly event: AuditExportEvent; readonly proof: AuditInclusionProof | null };

export interface AuditExportPageRequest {
  /** What the export is written as (recorded with it). */
  readonly format?: 'jsonl' | 'csv';
  readonly from?: string;
  readonly to?: string;
  /** Position after which the page starts (exclusive). */
  readonly after?: number;
  readonly limit?: number;
  /** The head every proof of the export is against (the first page's answer): the same for the whole export. */
  readonly treeSize?: number;
}

export interface AuditExportPage {
  readonly head: SignedTreeHeadView | null;
  readonly events: readonly { readonly event: AuditExportEvent; readonly proof: AuditInclusionProof | null }[];
  /** The `after` of the next page, or null at the end. */
  readonly nextAfter: number | null;
}
