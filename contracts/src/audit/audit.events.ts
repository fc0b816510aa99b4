/**
 * Events of the audit service. Streams:
 * - `audit.integrity`: `AuditIntegrityViolated` (the continuous verification found the event store changed behind
 *   its back: the position and what failed, never the content);
 * - `audit.access-<organizationId>`: `AccessDenied`, `AuditLogQueried`, `AuditLogExported`, `UsageExported` (security
 *   events of the organization, bounded: at most one per actor, kind and minute, carrying how many it stands for).
 */
export const auditStreams = {
  integrity: 'audit.integrity',
  access: (organizationId: string) => `audit.access-${organizationId}`,
} as const;

/** What every access event carries: how many occurrences it stands for (itself, and those held back since the last one). */
interface AccessEventBase {
  readonly organizationId: string;
  readonly count: number;
  readonly at: string;
}

/** A credential of another tenant asked for one of this organization's resources (and got a 404). */
export interface AccessDeniedData extends AccessEventBase {
  readonly resource: { readonly type: string; readonly id: string };
}

export interface AuditLogQueriedData extends AccessEventBase {
  /** The filters of the query that was recorded (the ones held back are counted, not described). */
  readonly filters: Readonly<Record<string, string>>;
}

export interface AuditLogExportedData extends AccessEventBase {
  readonly format: 'jsonl' | 'csv';
  readonly from: string | null;
  readonly to: string | null;
}

export interface UsageExportedData extends AccessEventBase {
  readonly projectId: string;
  readonly format: 'jsonl' | 'csv';
  readonly from: string;
  readonly to: string;
}

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

export type AuditEvent =
  | { type: 'AuditIntegrityViolated'; data: AuditIntegrityViolatedData }
  | { type: 'AccessDenied'; data: AccessDeniedData }
  | { type: 'AuditLogQueried'; data: AuditLogQueriedData }
  | { type: 'AuditLogExported'; data: AuditLogExportedData }
  | { type: 'UsageExported'; data: UsageExportedData };

/**
 * An access the audit log records, as a service or the gateway reports it (the organization is the context's). A
 * denial may come without one (another tenant's `{projectId}`): the audit service finds the project's organization
 * in its index, and records nothing for an organization or project nobody created.
 */
export type AccessRecord =
  | { readonly kind: 'access_denied'; readonly resource: { readonly type: string; readonly id: string } }
  | {
      readonly kind: 'usage_exported';
      readonly projectId: string;
      readonly format: 'jsonl' | 'csv';
      readonly from: string;
      readonly to: string;
    };

export interface AccessRecorded {
  /** False when held back by the bound: counted, and reported by the next event of its kind. */
  readonly recorded: boolean;
}
