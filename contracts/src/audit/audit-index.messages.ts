/** The audit index (issue 14, "Query and export"): one entry per event of an organization, newest first. */

export type AuditActorType = 'user' | 'api_key' | 'system' | 'operator';

export interface AuditEntryView {
  readonly position: number;
  readonly eventId: string;
  readonly type: string;
  readonly recordedAt: string;
  readonly actor: {
    readonly type: string;
    readonly id: string;
    /** The member's name, resolved when asked; null for keys and systems, and once the person was erased. */
    readonly name: string | null;
  };
  /** What the event is about; null for an event about nothing in particular. */
  readonly resource: { readonly type: string; readonly id: string } | null;
  readonly projectId: string | null;
  readonly correlationId: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** One sentence, never a secret or personal data. */
  readonly summary: string;
  /** What an update changed, where meaningful. */
  readonly changes: readonly AuditFieldChange[] | null;
}

export interface AuditFieldChange {
  readonly field: string;
  readonly from?: unknown;
  readonly to?: unknown;
}

export interface ListAuditEntriesRequest {
  /** An actor id (a user or API key id, or a system name). */
  readonly actor?: string;
  readonly type?: string;
  readonly resourceType?: string;
  readonly resourceId?: string;
  /** Recorded at or after. */
  readonly from?: string;
  /** Recorded before. */
  readonly to?: string;
  readonly cursor?: string;
  readonly limit?: number;
}

export interface AuditEntryList {
  readonly data: readonly AuditEntryView[];
  readonly nextCursor: string | null;
}
