/**
 * Events of the audit service. Streams:
 * - `audit.integrity`: `AuditIntegrityViolated` (the continuous verification found the event store changed behind
 *   its back: the position and what failed, never the content).
 */
export const auditStreams = {
  integrity: 'audit.integrity',
} as const;

export type AuditIntegrityFailure =
  /** A row no longer chains to the one before it, or its hash is not its content's. */
  | 'chain_broken'
  /** A position is missing or out of order. */
  | 'position_gap'
  /** The row the tree last added no longer holds the hash the tree recorded: the store was rewritten. */
  | 'anchor_changed'
  /** The history re-derived from the store no longer has the root a signed tree head holds. */
  | 'signed_root_mismatch';

export interface AuditIntegrityViolatedData {
  /** The first position found wrong. */
  readonly position: number;
  readonly reason: AuditIntegrityFailure;
  /** One sentence for operators and alert channels. */
  readonly detail: string;
  /** The organization whose event is at that position, when it has one (its channels are told). */
  readonly organizationId: string | null;
  readonly detectedAt: string;
}

export type AuditEvent = { type: 'AuditIntegrityViolated'; data: AuditIntegrityViolatedData };
