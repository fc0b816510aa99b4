/** What computes a pseudonym: `pseudonymOf` (end-user-pseudonyms.ts), an HMAC-SHA256 under the organization's key. */
export type PseudonymFunction = (key: Buffer, userId: string) => string;

export interface PseudonymCacheOptions {
  /** Pseudonyms held in all, every organization together. */
  readonly max: number;
  /** How long an organization's pseudonyms are kept, from the first computed under its current key. */
  readonly ttlMs: number;
}

interface OrganizationPseudonyms {
  readonly key: Buffer;
  readonly since: number;
  readonly byUserId: Map<string, string>;
}

/**
 * The pseudonyms computed lately, per organization and under the key they were computed with: a batch of hundreds
 * of events names a few end users, and each event's pseudonym was an HMAC (issue 15: 6 % of the ingest consumer).
 *
 * A cached pseudonym is never one of another key: an organization's pseudonyms are held with the key they were
 * computed under, and asking with any other key (the old one destroyed and a new one made) drops them all first. They
 * are kept `ttlMs` at most, and `forget` drops an erased end user's at once, so that this cache holds an id no
 * longer than the key store holds the key that links it to its pseudonym, nor past its erasure on this replica.
 * Bounded: past `max` pseudonyms in all, everything is dropped and computed again.
 */
export class PseudonymCache {
  private readonly organizations = new Map<string, OrganizationPseudonyms>();
  private size = 0;

  constructor(
    private readonly options: PseudonymCacheOptions,
    private readonly compute: PseudonymFunction,
  ) {}

  /** The organization's pseudonym function under `key`, served from the cache. */
  of(organizationId: string, key: Buffer, now: number): (userId: string) => string {
    this.expire(now);
    let held = this.organizations.get(organizationId);
    if (held && !held.key.equals(key)) {
      this.drop(organizationId, held);
      held = undefined;
    }
    if (!held) {
      held = { key, since: now, byUserId: new Map() };
      this.organizations.set(organizationId, held);
    }
    const current = held;
    return (userId) => {
      let pseudonym = current.byUserId.get(userId);
      if (pseudonym === undefined) {
        pseudonym = this.compute(key, userId);
        // A function kept past its organization's expiry computes without caching: nothing is held unaccounted.
        if (this.organizations.get(organizationId) !== current) return pseudonym;
        if (this.size >= this.options.max) this.clear();
        current.byUserId.set(userId, pseudonym);
        this.size += 1;
      }
      return pseudonym;
    };
  }

  /** Drops an end user's pseudonym (after their erasure). */
  forget(organizationId: string, userId: string): void {
    const held = this.organizations.get(organizationId);
    if (held?.byUserId.delete(userId)) this.size -= 1;
  }

  /** Pseudonyms held, every organization together. */
  get held(): number {
    return this.size;
  }

  /** Organizations are held in the order they were cached, so the expired ones come first. */
  private expire(now: number): void {
    for (const [organizationId, held] of this.organizations) {
      if (now - held.since < this.options.ttlMs) return;
      this.drop(organizationId, held);
    }
  }

  private drop(organizationId: string, held: OrganizationPseudonyms): void {
    this.size -= held.byUserId.size;
    held.byUserId.clear();
    this.organizations.delete(organizationId);
  }

  private clear(): void {
    for (const held of this.organizations.values()) held.byUserId.clear();
    this.size = 0;
  }
}
