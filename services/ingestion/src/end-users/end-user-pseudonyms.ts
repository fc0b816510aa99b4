import { Inject, Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { erasedEndUser } from '@llmlab/contracts';
import type { SubjectKeyStore } from '@llmlab/crypto';
import { PG_POOL } from '@llmlab/service-kit';
import type { Pool, PoolClient } from 'pg';
import { CONTENT_KEYS } from '../traces/span-content.store';
import { PseudonymCache } from './pseudonym-cache';

/**
 * How long a replica trusts that a (project, pseudonym) it remembered is still mapped, without writing it again.
 * An erasure on another replica within that time leaves the end user's next usage under the marker rather than
 * the id (it errs towards erasure, and loses nothing: the usage and its cost are recorded all the same).
 */
const REMEMBERED_MS = 60_000;
const REMEMBERED_MAX = 200_000;

/**
 * Pseudonyms computed lately (pseudonym-cache.ts): a few tens of thousands, a few MiB at most, each organization's
 * for a minute at most, like the mappings above.
 */
const CACHED_PSEUDONYMS_MAX = 50_000;
const CACHED_PSEUDONYMS_MS = 60_000;

/** An organization's pseudonym key is subject `end-users:<organizationId>` in `ingestion.content_keys`. */
export function pseudonymKeySubject(organizationId: string): string {
  return `end-users:${organizationId}`;
}

/** The pseudonym of `userId` under an organization's key: `eu_` and 128 bits of HMAC-SHA256, in hex. */
export function pseudonymOf(key: Buffer, userId: string): string {
  return `eu_${createHmac('sha256', key).update(userId, 'utf8').digest('hex').slice(0, 32)}`;
}

/**
 * The advisory lock between the projection (shared: it reads the mapping, then writes ids into the read models)
 * and an erasure (exclusive: it deletes the mapping, then re-keys the read models), per project, in the
 * transaction's scope. Without it, a batch that read the mapping just before an erasure could write the id back
 * just after it.
 */
export const END_USERS_EXCLUSIVE_LOCK_SQL = `SELECT pg_advisory_xact_lock(${endUsersLockKey('$1::text')})`;

/** The shared side, on each project of `$1` (sorted by the caller, so that lockers meet them in one order). */
const END_USERS_SHARED_LOCK_SQL = `SELECT count(pg_advisory_xact_lock_shared(${endUsersLockKey('p')})) FROM unnest($1::text[]) AS p`;

function endUsersLockKey(projectId: string): string {
  return `hashtextextended('ingestion.end-users:' || ${projectId}, 0)`;
}

/**
 * End users' keyed pseudonyms (contracts' end-users.ts): the ledgers carry the pseudonym; `ingestion.end_users`
 * maps a project's pseudonyms to the ids, written before the ledger append and read by the projections. The key is
 * one per organization, stored wrapped by the master key (never derived from it: pseudonyms live in immutable
 * events and must outlive a master key rotation).
 */
@Injectable()
export class EndUserPseudonyms {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CONTENT_KEYS) private readonly keys: SubjectKeyStore,
  ) {}

  /** `<projectId>:<pseudonym>` → until when this replica trusts the mapping is stored. */
  private readonly remembered = new Map<string, number>();

  private readonly cached = new PseudonymCache({ max: CACHED_PSEUDONYMS_MAX, ttlMs: CACHED_PSEUDONYMS_MS }, pseudonymOf);

  /**
   * The organization's pseudonym function: its key from the key store's cache (a database read every 30 s at
   * most, per replica), created on first use; each pseudonym computed once under that key, then cached.
   */
  async of(organizationId: string): Promise<(userId: string) => string> {
    const subject = pseudonymKeySubject(organizationId);
    const key = (await this.keys.get(subject)) ?? (await this.keys.ensure(subject));
    return this.cached.of(organizationId, key, Date.now());
  }

  /**
   * Remembers which id each pseudonym stands for in the project, before the ledger holds the pseudonym (a crash in
   * between leaves a mapping with no usage, which shows nothing). An erased pair is remembered again only if the
   * end user sends usage again.
   */
  async remember(organizationId: string, projectId: string, ids: ReadonlyMap<string, string>): Promise<void> {
    const now = Date.now();
    const fresh = new Map([...ids].filter(([pseudonym]) => (this.remembered.get(`${projectId}:${pseudonym}`) ?? 0) <= now));
    if (fresh.size === 0) return;
    await this.pool.query(
      `INSERT INTO ingestion.end_users (project_id, pseudonym, organization_id, user_id)
       SELECT $1, p, $2, u FROM unnest($3::text[], $4::text[]) AS m(p, u)
       ON CONFLICT (project_id, pseudonym) DO NOTHING`,
      [projectId, organizationId, [...fresh.keys()], [...fresh.values()]],
    );
    if (this.remembered.size + fresh.size > REMEMBERED_MAX) this.remembered.clear();
    for (const pseudonym of fresh.keys()) this.remembered.set(`${projectId}:${pseudonym}`, now + REMEMBERED_MS);
  }

  /**
   * After an erasure of an end user in the project: this replica writes the mapping of every end user again on its
   * next usage, and holds the erased id's pseudonym no more.
   */
  forget(organizationId: string, projectId: string, userId: string): void {
    for (const key of this.remembered.keys()) if (key.startsWith(`${projectId}:`)) this.remembered.delete(key);
    this.cached.forget(organizationId, userId);
  }

  /**
   * The ids of the project's pseudonyms, in the projection's transaction (which holds the shared lock): a
   * pseudonym with no mapping was erased and reads as its erased marker.
   */
  async resolve(tx: PoolClient, projectId: string, pseudonyms: readonly string[]): Promise<Map<string, string>> {
    return (await this.resolveMany(tx, new Map([[projectId, pseudonyms]]))).get(projectId) ?? new Map<string, string>();
  }

  /**
   * `resolve` for several projects at once, in two statements whatever their number (the projection resolves a
   * run of events together): the projects' shared locks, in a fixed order, then their mappings.
   */
  async resolveMany(tx: PoolClient, byProject: ReadonlyMap<string, readonly string[]>): Promise<Map<string, Map<string, string>>> {
    const resolved = new Map<string, Map<string, string>>();
    const projects: string[] = [];
    const pairs: [string[], string[]] = [[], []];
    for (const [projectId, pseudonyms] of byProject) {
      const distinct = [...new Set(pseudonyms)];
      resolved.set(projectId, new Map());
      if (distinct.length === 0) continue;
      projects.push(projectId);
      for (const pseudonym of distinct) {
        pairs[0].push(projectId);
        pairs[1].push(pseudonym);
      }
    }
    if (projects.length === 0) return resolved;
    await tx.query(END_USERS_SHARED_LOCK_SQL, [projects.sort()]);
    const { rows } = await tx.query<{ project_id: string; pseudonym: string; user_id: string }>(
      `SELECT m.project_id, e.pseudonym, e.user_id
       FROM unnest($1::text[], $2::text[]) AS m(project_id, pseudonym)
       JOIN ingestion.end_users e ON e.project_id = m.project_id::uuid AND e.pseudonym = m.pseudonym`,
      pairs,
    );
    for (const r of rows) resolved.get(r.project_id)!.set(r.pseudonym, r.user_id);
    for (let i = 0; i < pairs[0].length; i++) {
      const found = resolved.get(pairs[0][i])!;
      if (!found.has(pairs[1][i])) found.set(pairs[1][i], erasedEndUser(pairs[1][i]));
    }
    return resolved;
  }
}

/**
 * What a ledger record or span shows as its end user, given the resolved pseudonyms: the id, the erased marker,
 * or (ledgers written before pseudonyms) the `userId` it carries itself.
 */
export function endUserOf(item: { endUser?: string; userId?: string }, resolved: ReadonlyMap<string, string>): string | null {
  if (item.endUser !== undefined) return resolved.get(item.endUser) ?? erasedEndUser(item.endUser);
  return item.userId ?? null;
}

/** The end-user pseudonyms the ledger items carry. */
export function pseudonymsOf(items: readonly { endUser?: string }[]): string[] {
  return items.flatMap((i) => (i.endUser !== undefined ? [i.endUser] : []));
}
