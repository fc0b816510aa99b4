export enum AuditErrorCode {
  /** No tree head has been signed yet (an empty store, or the first one is still being made). */
  NoTreeHead = 'AUDIT_NO_TREE_HEAD',
  /** No signed head of that tree size: proofs are given between signed heads only. */
  TreeHeadNotFound = 'AUDIT_TREE_HEAD_NOT_FOUND',
  /** The event is unknown, or not the organization's: the same answer, so ids cannot be probed. */
  EventNotFound = 'AUDIT_EVENT_NOT_FOUND',
  /** The event is newer than the tree head asked for: no proof can include it yet. */
  EventNotInTree = 'AUDIT_EVENT_NOT_IN_TREE',
  /** A query's parameters do not fit together (e.g. a consistency proof from a larger to a smaller tree). */
  Invalid = 'AUDIT_INVALID',
}

export type AuditErrorCodes = AuditErrorCode;
export const AUDIT_ERROR_CODES: readonly AuditErrorCodes[] = Object.values(AuditErrorCode);
