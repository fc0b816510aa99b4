import { randomBytes } from 'node:crypto';
import type { Ciphertext } from '@llmlab/contracts';
import type { Pool } from 'pg';
import { decrypt, encrypt, KEY_BYTES, MasterKey } from './field-cipher';

/** Unwrapped keys are kept this long in memory: listing members decrypts many, repeatedly. */
const CACHE_MS = 30_000;
const CACHE_MAX = 10_000;

/**
 * Per-subject data keys (crypto-shredding, DESIGN.md section 2): every personal field of a subject is
 * encrypted under the subject's key, bound to the subject and the field. Destroying the key makes every copy
 * of those fields unreadable, in the immutable event store included.
 */
export class SubjectKeys {
  private readonly cache = new Map<string, { key: Buffer; until: number }>();

  constructor(
    private readonly pool: Pool,
    private readonly master: MasterKey,
  ) {}

  /** The subject's key, created on first use. */
  async ensure(subjectId: string): Promise<Buffer> {
    const fresh = randomBytes(KEY_BYTES);
    await this.pool.query(`INSERT INTO auth.subject_keys (subject_id, wrapped_key) VALUES ($1, $2) ON CONFLICT (subject_id) DO NOTHING`, [
      subjectId,
      this.master.wrap(fresh, `subject:${subjectId}`),
    ]);
    const key = await this.get(subjectId);
    if (!key) throw new Error(`subject key ${subjectId} vanished while being created`);
    return key;
  }

  /** The subject's key, or undefined once it was destroyed (or never existed). */
  async get(subjectId: string): Promise<Buffer | undefined> {
    return (await this.getMany([subjectId])).get(subjectId);
  }

  async getMany(subjectIds: string[]): Promise<Map<string, Buffer>> {
    const now = Date.now();
    const found = new Map<string, Buffer>();
    const missing: string[] = [];
    for (const id of new Set(subjectIds)) {
      const hit = this.cache.get(id);
      if (hit && hit.until > now) found.set(id, hit.key);
      else missing.push(id);
    }
    if (missing.length) {
      const { rows } = await this.pool.query<{ subject_id: string; wrapped_key: Buffer }>(
        `SELECT subject_id, wrapped_key FROM auth.subject_keys WHERE subject_id = ANY($1::uuid[])`,
        [missing],
      );
      if (this.cache.size + rows.length > CACHE_MAX) this.cache.clear();
      for (const row of rows) {
        const key = this.master.unwrap(row.wrapped_key, `subject:${row.subject_id}`);
        this.cache.set(row.subject_id, { key, until: now + CACHE_MS });
        found.set(row.subject_id, key);
      }
    }
    return found;
  }

  /** Shreds the subject: what was encrypted under its key can no longer be read anywhere. */
  async destroy(subjectId: string): Promise<void> {
    await this.pool.query(`DELETE FROM auth.subject_keys WHERE subject_id = $1`, [subjectId]);
    this.cache.delete(subjectId);
  }
}

/** A personal field's ciphertext, bound to its subject and field name. */
export function sealField(key: Buffer, subjectId: string, field: string, value: string): Ciphertext {
  return encrypt(key, value, `${subjectId}:${field}`);
}

/** The field in clear, or a placeholder when the subject was erased (its key destroyed). */
export function openField(key: Buffer | undefined, subjectId: string, field: string, ciphertext: Ciphertext | null): string {
  if (!key || ciphertext === null) return ERASED;
  return decrypt(key, ciphertext, `${subjectId}:${field}`);
}

export const ERASED = '[erased]';
