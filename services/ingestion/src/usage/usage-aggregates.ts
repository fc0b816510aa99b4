import { Inject, Injectable } from '@nestjs/common';
import { ingestionStreams, USAGE_AGGREGATES_PART_ROWS, type UsageAggregatesKeptData, type UsageRollupLevel } from '@llmlab/contracts';
import { WrongExpectedRevisionError, type EventStore } from '@llmlab/event-store';
import { EVENT_STORE, PG_POOL } from '@llmlab/service-kit';
import type { Pool, PoolClient } from 'pg';
import { EndUserPseudonyms } from '../end-users/end-user-pseudonyms';
import { derivedEventId } from '../derived-event-id';
import { ROLLUP_METRICS } from '../read-models/usage-projection.repository';

/** The rollup tables a month's aggregates are kept from and restored to. */
const TABLES: Record<UsageRollupLevel, string> = {
  hourly: 'usage_rollups_hourly',
  daily: 'usage_rollups_daily',
  daily_users: 'usage_rollups_daily_users',
  daily_tags: 'usage_rollups_daily_tags',
  hourly_tags: 'usage_rollups_hourly_tags',
};
const LEVELS = Object.keys(TABLES) as UsageRollupLevel[];

/** An organization's rollup summing a project rollup's rows over the projects, by the other dimensions. */
interface OrganizationRollup {
  table: string;
  keys: string[];
}

/** The organization's rollups summing a kept level's rows over the projects, by the level's other dimensions. */
const ORGANIZATION_TABLES: Partial<Record<UsageRollupLevel, OrganizationRollup>> = {
  hourly: { table: 'usage_rollups_org_hourly', keys: ['bucket', 'provider', 'model'] },
  daily: { table: 'usage_rollups_org_daily', keys: ['bucket', 'provider', 'model'] },
  daily_tags: { table: 'usage_rollups_org_daily_tags', keys: ['tag_key', 'bucket', 'tag_value'] },
};
const ORGANIZATION_MONTHLY_USERS: OrganizationRollup = { table: 'usage_rollups_org_monthly_users', keys: ['bucket', 'user_id'] };

/**
 * A statement writing a project's rows (`write`, a data-modifying CTE named `changed` returning them), then adding
 * them to the organization's rollup with `sign` (removed rows subtract): the organization's rows stay the sums of
 * its projects' rows.
 */
function withOrganization(organization: OrganizationRollup | undefined, write: string, sign: '' | '-'): string {
  if (!organization) return `${write} SELECT count(*) FROM changed`;
  const keys = organization.keys.join(', ');
  return `${write}
    INSERT INTO ingestion.${organization.table} AS target (organization_id, ${keys}, ${ROLLUP_METRICS.join(', ')})
    SELECT organization_id, ${keys}, ${ROLLUP_METRICS.map((m) => `${sign}sum(${m})`).join(', ')}
    FROM changed GROUP BY organization_id, ${keys} ORDER BY organization_id, ${keys}
    ON CONFLICT (organization_id, ${keys}) DO UPDATE SET ${ROLLUP_METRICS.map((m) => `${m} = target.${m} + EXCLUDED.${m}`).join(', ')}`;
}

/**
 * A project's end users by the month, summed again from their days, and the organization's months of end users
 * taking the difference; an organization's row left with no request (its user's sums now under another key, as an
 * erased marker) is deleted, as the records have no such key.
 */
const MONTHLY_USERS_SQL = {
  remove: withOrganization(
    ORGANIZATION_MONTHLY_USERS,
    'WITH changed AS (DELETE FROM ingestion.usage_rollups_monthly_users WHERE project_id = $1 AND bucket >= $2 AND bucket < $3 RETURNING *)',
    '-',
  ),
  add: withOrganization(
    ORGANIZATION_MONTHLY_USERS,
    `WITH changed AS (
       INSERT INTO ingestion.usage_rollups_monthly_users (organization_id, project_id, bucket, user_id, ${ROLLUP_METRICS.join(', ')})
       SELECT organization_id, project_id, $2::timestamptz, user_id, ${ROLLUP_METRICS.map((m) => `sum(${m})`).join(', ')}
       FROM ingestion.usage_rollups_daily_users WHERE project_id = $1 AND bucket >= $2 AND bucket < $3
       GROUP BY organization_id, project_id, user_id
       RETURNING *
     )`,
    '',
  ),
  prune:
    'DELETE FROM ingestion.usage_rollups_org_monthly_users WHERE organization_id = $1 AND bucket >= $2 AND bucket < $3 AND requests = 0',
};

/** Every column but the tenant's, numbers as text (a cost's twelve decimals, a bigint, survive JSON exactly). */
const ROW_JSON = `(SELECT jsonb_object_agg(key, CASE WHEN jsonb_typeof(value) = 'number' THEN to_jsonb(value #>> '{}') ELSE value END)
   FROM jsonb_each(to_jsonb(t) - 'organization_id' - 'project_id')) AS row`;

function monthRange(month: string): [string, string] {
  const start = new Date(`${month}-01T00:00:00.000Z`);
  const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  return [start.toISOString(), end.toISOString()];
}

/**
 * A month's aggregates, kept in the project's ledger before retention destroys the month's key (docs/security.md,
 * "Retention of usage detail"): the read models can then be rebuilt from the ledger with the month's hourly and
 * daily aggregates as they were, though its records no longer read.
 */
@Injectable()
export class UsageAggregates {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly endUsers: EndUserPseudonyms,
  ) {}

  /**
   * Appends the months' `UsageAggregatesKept` to the project's ledger, read in one snapshot with the projection's
   * checkpoint and the ledger's last revision, and appended together at that revision: the aggregates they carry
   * are exactly what every earlier event of the stream made. `deferred` when the projection has not applied the
   * stream's last event yet, or the stream moved on meanwhile (the next run tries again; the keys stay until then).
   */
  async keep(organizationId: string, projectId: string, months: readonly string[]): Promise<'kept' | 'deferred'> {
    const stream = ingestionStreams.usage(projectId);
    const client = await this.pool.connect();
    let revision: number;
    const byMonth = new Map<string, UsageAggregatesKeptData['rows'][number][]>(months.map((m) => [m, []]));
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const { rows: last } = await client.query<{ position: string; revision: string }>(
        'SELECT position, revision FROM event_store.events WHERE stream_id = $1 ORDER BY revision DESC LIMIT 1',
        [stream],
      );
      if (last.length === 0) return 'kept';
      const { rows: applied } = await client.query<{ position: string }>(
        `SELECT position FROM ingestion.projection_checkpoints WHERE projection = 'usage'`,
      );
      if (Number(applied[0]?.position ?? 0) < Number(last[0].position)) return 'deferred';
      revision = Number(last[0].revision);
      for (const [month, rows] of byMonth) {
        for (const level of LEVELS) {
          const { rows: found } = await client.query<{ row: Record<string, unknown> }>(
            `SELECT ${ROW_JSON} FROM ingestion.${TABLES[level]} t WHERE project_id = $1 AND bucket >= $2 AND bucket < $3 ORDER BY bucket`,
            [projectId, ...monthRange(month)],
          );
          for (const { row } of found) rows.push({ level, row });
        }
      }
    } finally {
      await client.query('COMMIT').catch(() => undefined);
      client.release();
    }
    const events = [];
    for (const [month, rows] of byMonth) {
      if (rows.length > 0) events.push(...(await this.eventsOf(organizationId, projectId, month, revision, rows)));
    }
    if (events.length === 0) return 'kept';
    try {
      await this.store.appendToStream(stream, events, { expectedRevision: revision });
      return 'kept';
    } catch (err) {
      if (err instanceof WrongExpectedRevisionError) return 'deferred';
      throw err;
    }
  }

  /** A month's rows as events of at most `USAGE_AGGREGATES_PART_ROWS` rows, ids derived from the stream's revision. */
  private async eventsOf(
    organizationId: string,
    projectId: string,
    month: string,
    revision: number,
    rows: UsageAggregatesKeptData['rows'][number][],
  ) {
    await this.pseudonymize(organizationId, rows);
    const parts = Math.ceil(rows.length / USAGE_AGGREGATES_PART_ROWS);
    return Array.from({ length: parts }, (_, part) => {
      const data: UsageAggregatesKeptData = {
        organizationId,
        projectId,
        month,
        part,
        parts,
        rows: rows.slice(part * USAGE_AGGREGATES_PART_ROWS, (part + 1) * USAGE_AGGREGATES_PART_ROWS),
      };
      return {
        id: derivedEventId('UsageAggregatesKept', projectId, month, String(revision), String(part)),
        type: 'UsageAggregatesKept' as const,
        data,
        metadata: {
          actor: { type: 'system' as const, id: 'ingestion-retention' },
          organizationId,
          projectId,
          correlationId: `retention:${projectId}:${month}`,
        },
      };
    });
  }

  /**
   * Applies a `UsageAggregatesKept` in the projection's transaction: its first part clears the month's rows of the
   * project, every part writes its rows, an end user resolved from the pseudonym (the marker once erased). The
   * organization's rollups take the difference, and the project's end users by the month are summed again from
   * their days, so every rollup stays the sum of the same rows.
   */
  async restore(tx: PoolClient, data: UsageAggregatesKeptData): Promise<void> {
    const [from, to] = monthRange(data.month);
    if (data.part === 0) {
      for (const level of LEVELS) {
        const remove = `WITH changed AS (DELETE FROM ingestion.${TABLES[level]} WHERE project_id = $1 AND bucket >= $2 AND bucket < $3 RETURNING *)`;
        await tx.query(withOrganization(ORGANIZATION_TABLES[level], remove, '-'), [data.projectId, from, to]);
      }
    }
    const pseudonyms = data.rows.flatMap((r) => (typeof r.row.end_user === 'string' ? [r.row.end_user] : []));
    const ids = await this.endUsers.resolve(tx, data.projectId, pseudonyms);
    for (const level of LEVELS) {
      const rows = data.rows
        .filter((r) => r.level === level)
        .map(({ row }) => {
          const { end_user: endUser, ...rest } = row;
          return {
            ...rest,
            ...(typeof endUser === 'string' ? { user_id: ids.get(endUser) } : {}),
            organization_id: data.organizationId,
            project_id: data.projectId,
          };
        });
      if (rows.length === 0) continue;
      const add = `WITH changed AS (INSERT INTO ingestion.${TABLES[level]}
        SELECT * FROM jsonb_populate_recordset(NULL::ingestion.${TABLES[level]}, $1::jsonb) RETURNING *)`;
      await tx.query(withOrganization(ORGANIZATION_TABLES[level], add, ''), [JSON.stringify(rows)]);
    }
    await tx.query(MONTHLY_USERS_SQL.remove, [data.projectId, from, to]);
    await tx.query(MONTHLY_USERS_SQL.add, [data.projectId, from, to]);
    await tx.query(MONTHLY_USERS_SQL.prune, [data.organizationId, from, to]);
  }

  /** An end user's daily rows name them by the pseudonym; an erased marker, or no user (''), stays as it is. */
  private async pseudonymize(organizationId: string, rows: UsageAggregatesKeptData['rows'][number][]): Promise<void> {
    const pseudonym = await this.endUsers.of(organizationId);
    rows.forEach((entry, i) => {
      const userId = entry.row.user_id;
      if (entry.level !== 'daily_users' || typeof userId !== 'string' || userId === '' || userId.startsWith('[erased ')) return;
      const { user_id: _id, ...rest } = entry.row;
      rows[i] = { level: entry.level, row: { ...rest, end_user: pseudonym(userId) } };
    });
  }
}
