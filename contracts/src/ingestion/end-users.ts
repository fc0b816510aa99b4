/**
 * End users: the `userId` a usage event or span carries, the customer's id of its own user. The ledgers never hold
 * it: they hold `endUser`, a keyed pseudonym of it (HMAC-SHA256 under a key of the organization, the same in every
 * project of the organization, so budgets and alerts can follow one end user). The read models show the id itself,
 * found through a mapping of the project's pseudonyms; erasing the end user deletes that mapping and re-keys the
 * read models to an erased marker, so nothing readable of the id is left while the ledger, its totals and its
 * hash chain stay as they were (docs/security.md, "End users").
 */

/** `eu_` and 32 hex digits (128 bits of HMAC-SHA256). */
export const END_USER_PSEUDONYM = /^eu_[0-9a-f]{32}$/;

/** What the read models show in place of an erased end user's id: one per pseudonym, so counts of users stay right. */
export function erasedEndUser(pseudonym: string): string {
  return `[erased ${pseudonym}]`;
}

/** `POST /v1/projects/{projectId}/end-users/{userId}/erase`: the context's project. */
export interface EraseEndUserRequest {
  readonly userId: string;
}

export interface EndUserErasedResult {
  /** What the read models now show in place of the id. */
  readonly marker: string;
  /** Usage records re-keyed to the marker. */
  readonly records: number;
  /** Traces re-keyed to the marker. */
  readonly traces: number;
  /** Captured texts of the end user's spans deleted. */
  readonly contents: number;
}

/** The pseudonym the ledgers carry for an end user of the context's organization (alerts keys end-user budgets by it). */
export interface EndUserPseudonymRequest {
  readonly userId: string;
}

export interface EndUserPseudonym {
  readonly endUser: string;
}

/**
 * On `ingestion.end-users-<projectId>`: an end user's data in the project was erased. Names the end user by the
 * ledger's pseudonym only (its mapping to the id is what the erasure destroyed).
 */
export interface EndUserErasedData {
  readonly organizationId: string;
  readonly projectId: string;
  readonly endUser: string;
  readonly records: number;
  readonly traces: number;
  readonly contents: number;
  readonly erasedAt: string;
  /** `<actor type>:<actor id>` of the caller. */
  readonly erasedBy: string;
}
