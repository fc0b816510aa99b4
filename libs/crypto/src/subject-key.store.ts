import type { Pool } from 'pg';
import type { MasterKeyRing } from './master-key';
import { generateDataKey } from './secrets';

/** Unwrapped keys are kept this long in memory: listing members decrypts many, repeatedly. */
const CACHE_MS = 30_000;
const CACHE_MAX = 10_000;
const QUALIFIED_TABLE = /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/;

/** The label a subject's wrapped key is bound to (the same in every key table, as auth has always written it). */
export function subjectKeyLabel(subjectId: string): string {
  return `subject:${subjectId}`;
}

/**
 * Per-subject data keys, wrapped by the master key, in a table of the owning service's own schema (crypto-
 * shredding, DESIGN.md section 2): everything sealed under a subject's key is bound to the subject, and
 * destroying the key makes every copy unreadable, in the immutable event store included.
 *
 * A key table is `<schema>.<name> (subject_id <uuid or text> PRIMARY KEY, wrapped_key bytea NOT NULL, created_at
 * timestamptz NOT NULL DEFAULT now())`; `npm run keys:rotate` finds every such table by its columns and re-wraps
 * its keys under a new master key. Subjects are whatever a service keeps secrets for: users and invitations in
 * auth, channels in alerts, and named keys of a service (`auth.service_keys`: the email lookup key).
 */
export class SubjectKeyStore {
  private readonly cache = new Map<string, { key: Buffer; until: number }>();

  constructor(
    private readonly pool: Pool,
    private readonly ring: MasterKeyRing,
    private readonly table: string,
  ) {
    if (!QUALIFIED_TABLE.test(table)) throw new Error(`a key table is named <schema>.<table> in lower case, not "${table}"`);
  }

  /**
   * The subject's key, created on first use: a fresh random key, or the one `initial` gives (to adopt a key that
   * existed before it was stored). When replicas race, the first insert wins and every one returns that key.
   */
  async ensure(subjectId: string, initial?: () => Buffer | Promise<Buffer>): Promise<Buffer> {
    // A key to adopt may be costly to find: only when there is none yet. A random one costs nothing to discard.
    if (initial) {
      const known = await this.get(subjectId);
      if (known) return known;
    }
    const fresh = initial ? await initial() : generateDataKey();
    await this.pool.query(`INSERT INTO ${this.table} (subject_id, wrapped_key) VALUES ($1, $2) ON CONFLICT (subject_id) DO NOTHING`, [
      subjectId,
      this.ring.wrap(fresh, subjectKeyLabel(subjectId)),
    ]);
    this.cache.delete(subjectId);
    const key = await this.get(subjectId);
    if (!key) throw new Error(`the key of ${subjectId} in ${this.table} vanished while being created`);
    return key;
  }

  /** The subject's key, or undefined once it was destroyed (or never existed). */
  async get(subjectId: string): Promise<Buffer | undefined> {
    return (await this.getMany([subjectId])).get(subjectId);
  }

  /**
   * The keys of the subjects that have one. A key no configured master key can unwrap throws, unless
   * `onUnreadable` is given: it is then told, and the key left out (a reader that can degrade, like a delivery
   * that fails as "cannot be decrypted" rather than being retried forever). Database errors always throw.
   */
  async getMany(subjectIds: string[], onUnreadable?: (subjectId: string, error: Error) => void): Promise<Map<string, Buffer>> {
    const now = Date.now();
    const found = new Map<string, Buffer>();
    const missing: string[] = [];
    for (const id of new Set(subjectIds)) {
      const hit = this.cache.get(id);
      if (hit && hit.until > now) found.set(id, hit.key);
      else missing.push(id);
    }
    if (missing.length) {
      // `= ANY($1)` takes the column's type (uuid or text), so the primary key's index serves it.
      const { rows } = await this.pool.query<{ subject_id: string; wrapped_key: Buffer }>(
        `SELECT subject_id, wrapped_key FROM ${this.table} WHERE subject_id = ANY($1)`,
        [missing],
      );
      if (this.cache.size + rows.length > CACHE_MAX) this.cache.clear();
      for (const row of rows) {
        let key: Buffer;
        try {
          key = this.ring.unwrap(row.wrapped_key, subjectKeyLabel(row.subject_id));
        } catch (err) {
          if (!onUnreadable) throw err;
          onUnreadable(row.subject_id, err as Error);
          continue;
        }
        this.cache.set(row.subject_id, { key, until: now + CACHE_MS });
        found.set(row.subject_id, key);
      }
    }
    return found;
  }

  /** The subjects whose id starts with `prefix` (a service's named families of keys: `usage:<organizationId>:`). */
  async subjectsStartingWith(prefix: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ subject_id: string }>(
      `SELECT subject_id FROM ${this.table} WHERE left(subject_id::text, length($1)) = $1 ORDER BY subject_id`,
      [prefix],
    );
    return rows.map((r) => r.subject_id);
  }

  /** Shreds the subject: what was sealed under its key can no longer be read anywhere. */
  async destroy(subjectId: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.table} WHERE subject_id = $1`, [subjectId]);
    this.cache.delete(subjectId);
  }
}
