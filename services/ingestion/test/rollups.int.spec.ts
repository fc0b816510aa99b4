import { ingestionSubjects, type CostBreakdownRequest, type RequestContext } from '@llmlab/contracts';
import { RUNTIME, type ServiceRuntime } from '@llmlab/service-kit';
import { usageEvent } from '@llmlab/testing';
import type { Counter } from 'prom-client';
import { v7 as uuidv7 } from 'uuid';
import { EndUserErasure } from '../src/end-users/end-user.erasure';
import { UsageRetentionJob } from '../src/usage/usage-retention.job';
import { UsageRetentionHandler } from '../src/usage-retention/usage-retention.handler';
import { IngestionHarness } from './ingestion.harness';
import { derivedRollups, recordSums, rollupRows } from './rollup-sums';
import { newTenant, usageBatch, type Tenant } from './usage.fixtures';

const DAY = 86_400_000;
const HOUR = 3_600_000;

// Every rollup (the projects', the organization's, tags by the hour, end users by the month) is the sum of the usage
// records by its keys after ingest, repricing and erasure; after retention drops the records, the rollups stay as
// they were and a rebuild from the ledger gives them again. The cost queries, which add whole buckets and subtract
// their parts outside a range, answer what the records sum to over any range.
describe('rollups', () => {
  let h: IngestionHarness;
  let p1: Tenant;
  let p2: Tenant;
  const org = (t: Tenant) => ({ organizationId: t.organizationId });
  const project = (t: Tenant) => ({ organizationId: t.organizationId, projectId: t.projectId });
  const context = (t: Tenant, scope: object = project(t)): RequestContext => ({
    correlationId: uuidv7(),
    ...scope,
    organizationId: t.organizationId,
    actor: { type: 'user', id: uuidv7() },
  });
  const records = () => h.count('SELECT count(*) AS n FROM ingestion.usage_records WHERE organization_id = $1', [p1.organizationId]);
  const repriced = () =>
    h.count(`SELECT count(*) AS n FROM ingestion.usage_records WHERE organization_id = $1 AND cost_status = 'unpriced'`, [
      p1.organizationId,
    ]);

  beforeAll(async () => {
    h = await IngestionHarness.start();
    p1 = newTenant();
    p2 = newTenant(p1.organizationId);
    for (const [model, input] of [
      ['m-a', '1'],
      ['m-b', '2.5'],
    ]) {
      await h.request(ingestionSubjects.createPriceOverride, { provider: 'acme', model, rates: { input, output: '0.3' } }, org(p1));
    }
    // Usage over the last 34 days (two months, mostly), in the current hour, and a few minutes ahead (a client's
    // clock), across two projects: models (one unpriced), end users (some records without one), tags, errors.
    const now = Date.now();
    // mulberry32: the same usage on every run.
    let seed = 7;
    const next = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * n);
    };
    const timestamps = [
      ...Array.from({ length: 300 }, () => now - next(34 * DAY)),
      ...Array.from({ length: 20 }, () => now - next(HOUR / 2)),
      now + 2 * 60_000,
      now + 4 * 60_000,
    ];
    const batches = new Map<Tenant, ReturnType<typeof usageEvent>[]>([
      [p1, []],
      [p2, []],
    ]);
    timestamps.forEach((at, i) => {
      const user = next(6);
      batches.get(i % 3 === 0 ? p2 : p1)!.push(
        usageEvent({
          timestamp: new Date(at).toISOString(),
          provider: 'acme',
          model: ['m-a', 'm-b', 'm-x'][next(3)],
          usage: { inputTokens: 1_000 + next(50_000), outputTokens: next(2_000), cachedInputTokens: next(3) === 0 ? 100 : 0 },
          latencyMs: next(4) === 0 ? undefined : 50 + next(900),
          status: next(20) === 0 ? 'error' : 'success',
          ...(user < 5 ? { userId: `u${user}` } : {}),
          tags: { feature: `f${next(3)}`, ...(next(2) === 0 ? { team: `t${next(2)}` } : {}) },
        }),
      );
    });
    for (const [tenant, events] of batches) {
      for (let i = 0; i < events.length; i += 50) await h.publish(usageBatch(tenant, events.slice(i, i + 50)));
    }
    await h.until(async () => (await records()) === timestamps.length, 'the records');
    await h.settled();
  }, 60_000);
  afterAll(() => h?.stop());

  const expectRollupsToBeTheRecordSums = async () => {
    const held = await rollupRows(h.sql, p1.organizationId);
    const summed = await recordSums(h.sql, p1.organizationId);
    expect(held.map((r) => r.rows.length).every((n) => n > 0)).toBe(true);
    expect(held).toEqual(summed);
  };

  /** What the records of a scope sum to over a range, by a grouping's key: [key, cost, requests, errors, input tokens]. */
  const fromRecords = async (scope: { organizationId: string; projectId?: string }, groupBy: string, from: Date, to: Date) => {
    const key: Record<string, string> = {
      total: 'NULL::text',
      model: 'model',
      day: `to_char(date_trunc('day', occurred_at, 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
      user: 'user_id',
      'tag:feature': `tags ->> 'feature'`,
    };
    const { rows } = await h.sql.query<{ row: [string | null, string, number, number, number] }>(
      `SELECT json_build_array(${key[groupBy]}, sum(coalesce(cost, 0))::numeric(60,12)::text, count(*),
         count(*) FILTER (WHERE status = 'error'), sum(input_tokens)) AS row
       FROM ingestion.usage_records
       WHERE organization_id = $1 AND ($2::uuid IS NULL OR project_id = $2) AND occurred_at >= $3 AND occurred_at < $4
         AND ($5 <> 'tag:feature' OR tags ? 'feature')
       GROUP BY ${key[groupBy]}`,
      [p1.organizationId, scope.projectId ?? null, from, to, groupBy],
    );
    return rows.map((r) => r.row).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  };
  const fromQueries = async (scope: { organizationId: string; projectId?: string }, groupBy: string, from: Date, to: Date) => {
    const range = { from: from.toISOString(), to: to.toISOString() };
    if (groupBy === 'total') {
      const { current: t } = await h.request(ingestionSubjects.costSummary, range, scope);
      return t.requests === 0 ? [] : [[null, t.cost.amount, t.requests, t.errors, t.tokens.input]];
    }
    const result = await h.request(
      ingestionSubjects.costBreakdown,
      { ...range, groupBy: groupBy as CostBreakdownRequest['groupBy'], limit: 1000 },
      scope,
    );
    return result.rows
      .map((r) => [r.key, r.cost.amount, r.requests, r.errors, r.tokens.input])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  };
  const expectQueriesToBeTheRecordSums = async () => {
    const now = Date.now();
    const midnight = Math.floor(now / DAY) * DAY;
    const ranges: [number, number][] = [
      [midnight - 29 * DAY, now],
      [midnight - 29 * DAY, now + 10 * 60_000],
      [now - 33 * DAY + 17 * 60_000, now - 2 * DAY + 5 * HOUR + 13 * 60_000],
      [midnight - 3 * DAY + 7 * HOUR + 1, midnight - 3 * DAY + 19 * HOUR + 30 * 60_000],
      [now - HOUR, now + 5 * 60_000],
      [midnight - 40 * DAY, midnight + DAY],
    ];
    for (const [from, to] of ranges) {
      for (const scope of [org(p1), project(p1)]) {
        for (const groupBy of ['total', 'model', 'day', 'user', 'tag:feature']) {
          const expected = await fromRecords(scope, groupBy, new Date(from), new Date(to));
          const answered = await fromQueries(scope, groupBy, new Date(from), new Date(to));
          expect([new Date(from), new Date(to), scope, groupBy, answered]).toEqual([
            new Date(from),
            new Date(to),
            scope,
            groupBy,
            expected,
          ]);
        }
      }
    }
  };

  /**
   * The organization's ranking of its end users (its own months of end users, the projects' days at the edges, the
   * records for partial days), and a project's (its months and days), is the records' ranking: the same rows in the
   * same order (cost descending, then the user, no user last), and each shorter page its first rows.
   */
  const expectUserRankingToBeTheRecords = async (
    scopes: { organizationId: string; projectId?: string }[] = [org(p1), project(p1)],
    ranges?: [number, number][],
    limits = (keys: number) => [1, 3, keys - 1, 1000],
  ) => {
    const now = Date.now();
    const midnight = Math.floor(now / DAY) * DAY;
    for (const [from, to] of ranges ?? [
      [midnight - 29 * DAY, now],
      [now - 33 * DAY + 17 * 60_000, now - 2 * DAY + 5 * HOUR + 13 * 60_000],
      [midnight - 40 * DAY, midnight + DAY],
    ]) {
      for (const scope of scopes) {
        const { rows } = await h.sql.query<{ row: [string | null, string, number, number, number] }>(
          `SELECT json_build_array(user_id, sum(coalesce(cost, 0))::numeric(60,12)::text, count(*),
             count(*) FILTER (WHERE status = 'error'), sum(input_tokens)) AS row
           FROM ingestion.usage_records
           WHERE organization_id = $1 AND ($2::uuid IS NULL OR project_id = $2) AND occurred_at >= $3 AND occurred_at < $4
           GROUP BY user_id ORDER BY sum(coalesce(cost, 0)) DESC, user_id ASC NULLS LAST`,
          [scope.organizationId, scope.projectId ?? null, new Date(from), new Date(to)],
        );
        const expected = rows.map((r) => r.row);
        expect(expected.length).toBeGreaterThan(3);
        for (const limit of limits(expected.length)) {
          const page = await h.request(
            ingestionSubjects.costBreakdown,
            { from: new Date(from).toISOString(), to: new Date(to).toISOString(), groupBy: 'user', limit },
            scope,
          );
          expect([from, to, scope, limit, page.rows.map((r) => [r.key, r.cost.amount, r.requests, r.errors, r.tokens.input])]).toEqual([
            from,
            to,
            scope,
            limit,
            expected.slice(0, limit),
          ]);
        }
      }
    }
  };

  it('sum the records after ingest, and the queries over any range are the records’ sums', async () => {
    await expectRollupsToBeTheRecordSums();
    await expectQueriesToBeTheRecordSums();
    await expectUserRankingToBeTheRecords();
  }, 60_000);

  /**
   * A ranking of end users (an organization's or a project's) reads the top of each month the range touches and stops
   * when no key left unread can enter the page (migration 1768200000000, `rankFromTheTop`). Here the month's top holds
   * decoys: end users who spent most just before the range starts. The page is still the records' ranking when the
   * first round settles it (the decoys in the range), when only the deeper round does (the decoys outside it, users
   * behind them), and when neither does and every key is grouped (a page of one: the deeper round reads decoys only).
   */
  it('rank end users from the top of each month, never stopping while an unread one could enter the page', async () => {
    const tenant = newTenant();
    await h.request(
      ingestionSubjects.createPriceOverride,
      { provider: 'acme', model: 'm-a', rates: { input: '1', output: '0' } },
      org(tenant),
    );
    // Noon of a day 28 or 29 days ago, not the first of its month: two hours either side stay in its month.
    const now = Date.now();
    let from = Math.floor((now - 29 * DAY) / DAY) * DAY + 12 * HOUR;
    if (new Date(from).getUTCDate() === 1) from += DAY;
    const call = (userId: string | undefined, at: number, inputTokens: number) =>
      usageEvent({
        timestamp: new Date(at).toISOString(),
        provider: 'acme',
        model: 'm-a',
        usage: { inputTokens, outputTokens: 0 },
        ...(userId ? { userId } : {}),
      });
    const events = [
      // Eight decoys, $2.00 to $3.40 two hours before the range and a thousandth of a dollar in it.
      ...Array.from({ length: 8 }, (_, k) => [
        call(`decoy-${k}`, from - 2 * HOUR, 2_000_000 + 200_000 * k),
        call(`decoy-${k}`, from + HOUR, 1_000),
      ]).flat(),
      // Twelve users in the range, from $1 down by a factor of 1.3 each; some usage without a user.
      ...Array.from({ length: 12 }, (_, i) =>
        call(`user-${String(i).padStart(2, '0')}`, from + 2 * HOUR, Math.round(1_000_000 / 1.3 ** i)),
      ),
      call(undefined, from + 3 * HOUR, 10_000),
    ];
    await h.publish(usageBatch(tenant, events));
    const recorded = () => h.count('SELECT count(*) AS n FROM ingestion.usage_records WHERE organization_id = $1', [tenant.organizationId]);
    await h.until(async () => (await recorded()) === events.length, 'the records');
    await h.settled();

    const rankings = h.get<ServiceRuntime>(RUNTIME).metrics.registry.getSingleMetric('llmlab_cost_rankings_total') as Counter;
    const ended = async () => new Map((await rankings.get()).values.map((v) => [String(v.labels.outcome), v.value]));
    const count = async (rank: () => Promise<void>) => {
      const before = await ended();
      await rank();
      const after = await ended();
      return Object.fromEntries([...after].map(([outcome, n]) => [outcome, n - (before.get(outcome) ?? 0)]).filter(([, n]) => n !== 0));
    };
    // Decoys in the range: the first round's page (two decoys) is above what its unread rows could hold.
    // Both the organization's ranking and its project's (the one project holds every call).
    const scopes = [org(tenant), project(tenant)];
    expect(await count(() => expectUserRankingToBeTheRecords(scopes, [[from - 3 * HOUR, now]], () => [2]))).toEqual({
      first_round: 2,
    });
    // Decoys before the range: the first round reads decoys only; the deeper one reads users behind them (a page of
    // two: eight of them; of three: every row). A page of every key reads every row in the first round.
    expect(await count(() => expectUserRankingToBeTheRecords(scopes, [[from, now]], (keys) => [2, 3, keys]))).toEqual({
      deeper_round: 4,
      first_round: 2,
    });
    // A page of one: both rounds read decoys only, and every key is grouped.
    expect(await count(() => expectUserRankingToBeTheRecords(scopes, [[from, now]], () => [1]))).toEqual({ grouped: 2 });
  }, 60_000);

  it('take a repricing’s differences', async () => {
    expect(await repriced()).toBeGreaterThan(0);
    await h.request(ingestionSubjects.createPriceOverride, { provider: 'acme', model: 'm-x', rates: { input: '7', output: '1' } }, org(p1));
    await h.until(async () => (await repriced()) === 0, 'the repricing');
    await h.settled();
    await expectRollupsToBeTheRecordSums();
    await expectQueriesToBeTheRecordSums();
    await expectUserRankingToBeTheRecords();
  }, 60_000);

  it('move an erased end user’s sums to the marker, by day and by month, in that project only', async () => {
    // An end user of the first project only, in two months: erased, nothing of theirs is left in the organization's
    // months. The others (u1 among them) have usage in both projects: the second project's part stays theirs.
    const total = (await records()) + 2;
    await h.publish(
      usageBatch(p1, [
        usageEvent({ timestamp: new Date(Date.now() - 3 * DAY).toISOString(), userId: 'u-solo', provider: 'acme', model: 'm-a' }),
        usageEvent({ timestamp: new Date(Date.now() - 32 * DAY).toISOString(), userId: 'u-solo', provider: 'acme', model: 'm-b' }),
      ]),
    );
    await h.until(async () => (await records()) === total, 'the solo user’s records');
    await h.settled();
    const users = async (table: string) =>
      (
        await h.rows<{ user_id: string }>(`SELECT DISTINCT user_id FROM ingestion.${table} WHERE organization_id = $1 ORDER BY 1`, [
          p1.organizationId,
        ])
      ).map((u) => u.user_id);
    expect(await users('usage_rollups_org_monthly_users')).toContain('u-solo');

    await h.get(EndUserErasure).erase({ userId: 'u1' }, context(p1));
    await h.get(EndUserErasure).erase({ userId: 'u-solo' }, context(p1));
    await h.settled();
    for (const table of ['usage_rollups_monthly_users', 'usage_rollups_org_monthly_users']) {
      expect(await users(table)).toContain('u1');
      expect(await users(table)).not.toContain('u-solo');
      expect((await users(table)).filter((u) => u.startsWith('[erased '))).toHaveLength(2);
    }
    await expectRollupsToBeTheRecordSums();
    await expectQueriesToBeTheRecordSums();
    await expectUserRankingToBeTheRecords();
  }, 60_000);

  /**
   * The projection adds each batch's sums to the rows of the current buckets: on the rows' own pages, as heap-only
   * tuples (no new index entries, no dead pages left for the ranking to read), because the daily and monthly rollups
   * keep half of each page free (fillfactor 50). One round of updates after the rows' first batch: later rounds also
   * need the versions before them pruned, which any concurrent snapshot of the database may hold back for a while.
   */
  it('are updated in place, on the pages their rows are on', async () => {
    const tenant = newTenant();
    const users = Array.from({ length: 400 }, (_, i) => `user-${String(i).padStart(4, '0')}`);
    const tables = ['usage_rollups_daily_users', 'usage_rollups_monthly_users', 'usage_rollups_org_monthly_users'];
    const pages = async () => {
      const placed = new Map<string, string>();
      for (const table of tables) {
        const { rows } = await h.sql.query<{ user_id: string; bucket: Date; page: string }>(
          `SELECT user_id, bucket, (ctid::text::point)[0]::bigint::text AS page FROM ingestion.${table} WHERE organization_id = $1`,
          [tenant.organizationId],
        );
        for (const r of rows) placed.set(`${table} ${r.user_id} ${r.bucket.toISOString()}`, r.page);
      }
      return placed;
    };
    const recorded = () => h.count('SELECT count(*) AS n FROM ingestion.usage_records WHERE organization_id = $1', [tenant.organizationId]);
    // One instant for every round: the same rows (hour, day, month) whatever the clock does meanwhile.
    const at = new Date(Date.now() - 60_000).toISOString();
    const round = async (n: number) => {
      const events = users.map((userId) =>
        usageEvent({ timestamp: at, provider: 'acme', model: 'm-x', usage: { inputTokens: 10, outputTokens: 1 }, userId }),
      );
      for (let i = 0; i < events.length; i += 100) await h.publish(usageBatch(tenant, events.slice(i, i + 100)));
      await h.until(async () => (await recorded()) === n * users.length, `round ${n}`);
      await h.settled();
    };

    await round(1);
    const first = await pages();
    expect(first.size).toBe(3 * users.length);
    await round(2);
    const second = await pages();
    const kept = [...first].filter(([row, page]) => second.get(row) === page).length;
    // Full pages (fillfactor 100) move nearly every updated row elsewhere (2.6 % kept); with the room, a row or two of
    // a page may outgrow what is left of it.
    expect(kept / first.size).toBeGreaterThan(0.9);
  }, 60_000);

  it('stay as they were when retention drops the records, and a rebuild from the ledger gives them again', async () => {
    const before = await rollupRows(h.sql, p1.organizationId);
    await h.get(UsageRetentionHandler).update({ usageRetentionDays: 30 }, context(p1, org(p1)));
    await h.settled();
    const expired = (await h.get(UsageRetentionJob).run(new Date(Date.now() + 70 * DAY))).filter(
      (e) => e.organizationId === p1.organizationId,
    );
    expect(expired).toHaveLength(1);
    await h.settled();
    expect(await records()).toBe(0);
    expect(await rollupRows(h.sql, p1.organizationId)).toEqual(before);
    for (const [held, summed] of await derivedRollups(h.sql, p1.organizationId)) expect(held).toEqual(summed);

    // Every read model dropped and projected again: the kept aggregates restore the projects' rollups, and the
    // organization's and the months of end users follow them.
    await h.rebuildReadModels();
    expect(await records()).toBe(0);
    expect(await rollupRows(h.sql, p1.organizationId)).toEqual(before);
    for (const [held, summed] of await derivedRollups(h.sql, p1.organizationId)) expect(held).toEqual(summed);
  }, 60_000);
});
