import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { ingestionStreams, type RequestContext, type UsageDetailExpiredData, type UsageRecordedData } from '@llmlab/contracts';
import { openUsageRecords } from '@llmlab/crypto';
import { ledgerUsageRecords, usageEvent } from '@llmlab/testing';
import { v7 as uuidv7 } from 'uuid';
import { UsageLedgerKeys } from '../src/usage/usage-ledger-keys';
import { UsageRetentionJob } from '../src/usage/usage-retention.job';
import { UsageRetentionHandler } from '../src/usage-retention/usage-retention.handler';
import { IngestionHarness } from './ingestion.harness';
import { newTenant, usageBatch, type Tenant } from './usage.fixtures';

const run = promisify(execFile);
const DAY = 86_400_000;

// Retention of usage detail on real PostgreSQL and JetStream: an organization that keeps usage detail 30 days has,
// once that passed, no usage record or trace of it in the read models and no readable record in the ledger (its
// months' keys destroyed), while its aggregates stay; an organization that keeps everything loses nothing.
describe('retention of usage detail', () => {
  let h: IngestionHarness;

  beforeAll(async () => {
    h = await IngestionHarness.start();
  }, 60_000);
  afterAll(() => h?.stop());

  const context = (t: Tenant): RequestContext => ({
    correlationId: uuidv7(),
    organizationId: t.organizationId,
    actor: { type: 'user', id: uuidv7() },
  });
  const count = (table: string, t: Tenant) => h.count(`SELECT count(*) AS n FROM ingestion.${table} WHERE project_id = $1`, [t.projectId]);
  const aggregates = (t: Tenant) =>
    h.rows(
      `SELECT 'daily' AS level, bucket::text AS at, sum(requests)::text AS requests, sum(cost)::text AS cost
         FROM ingestion.usage_rollups_daily WHERE project_id = $1 GROUP BY bucket
       UNION ALL
       SELECT 'hourly', bucket::text, sum(requests)::text, sum(cost)::text
         FROM ingestion.usage_rollups_hourly WHERE project_id = $1 GROUP BY bucket
       UNION ALL
       SELECT 'users', bucket::text || ' ' || user_id, sum(requests)::text, sum(cost)::text
         FROM ingestion.usage_rollups_daily_users WHERE project_id = $1 GROUP BY bucket, user_id
       UNION ALL
       SELECT 'tags', bucket::text || ' ' || tag_key || '=' || tag_value, sum(requests)::text, sum(cost)::text
         FROM ingestion.usage_rollups_daily_tags WHERE project_id = $1 GROUP BY bucket, tag_key, tag_value
       ORDER BY 1, 2`,
      [t.projectId],
    );
  const ledgerData = async (t: Tenant) =>
    (
      await h.rows<{ data: UsageRecordedData }>(`SELECT data FROM event_store.events WHERE stream_id = $1 AND type = 'UsageRecorded'`, [
        ingestionStreams.usage(t.projectId),
      ])
    ).map((r) => r.data);
  const canary = (label: string) => `${label}-${randomBytes(6).toString('hex')}`;

  it('drops records and traces past the cutoff, makes their months unreadable in the ledger, and keeps the aggregates', async () => {
    const limited = newTenant();
    const unlimited = newTenant();
    const limitedCanary = canary('limited');
    const unlimitedCanary = canary('kept');
    const events = (note: string) => [
      usageEvent({
        timestamp: new Date(Date.now() - 10 * DAY).toISOString(),
        metadata: { note },
        traceId: randomBytes(16).toString('hex'),
      }),
      usageEvent({ metadata: { note }, userId: 'customer-1', traceId: randomBytes(16).toString('hex') }),
    ];
    const limitedEvents = events(limitedCanary);
    await h.publish(usageBatch(limited, limitedEvents));
    await h.publish(usageBatch(unlimited, events(unlimitedCanary)));
    await h.get(UsageRetentionHandler).update({ usageRetentionDays: 30 }, context(limited));
    await h.until(
      async () => (await count('usage_records', limited)) === 2 && (await count('usage_records', unlimited)) === 2,
      'the usage',
    );
    await h.settled();
    expect(await count('traces', limited)).toBe(2);
    const before = await aggregates(limited);
    expect(before.length).toBeGreaterThan(0);

    const job = h.get(UsageRetentionJob);
    const mine = (all: UsageDetailExpiredData[]) => all.filter((e) => e.organizationId === limited.organizationId);
    // Today nothing of it is 30 days old.
    expect(mine(await job.run(new Date()))).toEqual([]);

    // Seventy days on, all of it is: the records and traces go, and the months it happened in end before the cutoff.
    const later = new Date(Date.now() + 70 * DAY);
    const months = [...new Set(limitedEvents.map((e) => e.timestamp.slice(0, 7)))].sort();
    const [expired] = mine(await job.run(later));
    expect(expired).toMatchObject({
      organizationId: limited.organizationId,
      retentionDays: 30,
      cutoff: new Date(later.getTime() - 30 * DAY).toISOString(),
      records: 2,
      traces: 2,
    });
    expect(expired.months.map((m) => [m.projectId, m.month]).sort()).toEqual(months.map((m) => [limited.projectId, m]));
    expect(await count('usage_records', limited)).toBe(0);
    expect(await count('traces', limited)).toBe(0);
    expect(await count('trace_spans', limited)).toBe(0);
    expect(await aggregates(limited)).toEqual(before);

    // The ledger keeps its events (the chain is untouched) but nothing of the records reads any more.
    const keys = h.get(UsageLedgerKeys);
    expect(await ledgerUsageRecords(h.sql, limited.projectId, keys)).toEqual([]);
    const [data] = await ledgerData(limited);
    expect(await openUsageRecords(data, keys)).toEqual({ records: [], expired: 2 });
    expect(
      await h.rows(`SELECT subject_id FROM ingestion.content_keys WHERE subject_id LIKE $1`, [`usage:${limited.organizationId}:%`]),
    ).toEqual([]);
    // The run is on record, counts only.
    const [recorded] = await h.rows<{ data: UsageDetailExpiredData }>(`SELECT data FROM event_store.events WHERE stream_id = $1`, [
      ingestionStreams.usageExpiry(limited.organizationId),
    ]);
    expect(recorded.data).toEqual(expired);

    // The organization that keeps everything keeps everything.
    expect(await count('usage_records', unlimited)).toBe(2);
    expect(await count('traces', unlimited)).toBe(2);
    expect(await ledgerUsageRecords(h.sql, unlimited.projectId, keys)).toHaveLength(2);

    // A dump of the whole database holds the detail kept, and none of the detail expired.
    const { stdout } = await run('pg_dump', ['--dbname', h.db.url, '--no-owner'], { maxBuffer: 512 * 1024 * 1024 });
    expect(stdout).toContain(unlimitedCanary);
    expect(stdout).not.toContain(limitedCanary);
    for (const event of limitedEvents) expect(stdout).not.toContain(event.traceId!);

    // A second run finds nothing more to do, and records nothing.
    expect(mine(await job.run(later))).toEqual([]);

    // The month's aggregates were kept in the ledger before its key went: a rebuild of the read models from the
    // ledger, which reads none of the expired records, gives the same aggregates (and the same for the other).
    expect(
      await h.count(`SELECT count(*) AS n FROM event_store.events WHERE stream_id = $1 AND type = 'UsageAggregatesKept'`, [
        ingestionStreams.usage(limited.projectId),
      ]),
    ).toBe(months.length);
    const unlimitedBefore = await aggregates(unlimited);
    await h.rebuildReadModels();
    expect(await aggregates(limited)).toEqual(before);
    expect(await count('usage_records', limited)).toBe(0);
    expect(await aggregates(unlimited)).toEqual(unlimitedBefore);
    expect(await count('usage_records', unlimited)).toBe(2);
  });

  it('drops usage of an expired month that arrives later (a backfill), on its next run', async () => {
    const t = newTenant();
    await h.get(UsageRetentionHandler).update({ usageRetentionDays: 30 }, context(t));
    await h.settled();
    const job = h.get(UsageRetentionJob);
    const later = new Date(Date.now() + 70 * DAY);
    await job.run(later);
    // Usage of this month, recorded and expired (its month's key destroyed), then more of it after that run (the
    // key made again), as an import of old usage would be.
    await h.publish(usageBatch(t, [usageEvent()]));
    await h.until(async () => (await count('usage_records', t)) === 1, 'the usage');
    await h.settled();
    expect((await job.run(later)).filter((e) => e.organizationId === t.organizationId)).toHaveLength(1);
    await h.publish(usageBatch(t, [usageEvent()]));
    await h.until(async () => (await count('usage_records', t)) === 1, 'the usage');
    await h.settled();

    // A rebuild now meets the first part sealed under the month's first key while the month has another: it reads
    // as expired, not as damage; the kept aggregates and the readable second part give the same totals.
    const live = await aggregates(t);
    expect(live.find((r) => r.level === 'daily')).toMatchObject({ requests: '2' });
    await h.rebuildReadModels();
    expect(await aggregates(t)).toEqual(live);
    expect(await count('usage_records', t)).toBe(1);

    const [expired] = (await job.run(later)).filter((e) => e.organizationId === t.organizationId);
    expect(expired).toMatchObject({ records: 1, months: [{ projectId: t.projectId, month: new Date().toISOString().slice(0, 7) }] });
    expect(await ledgerUsageRecords(h.sql, t.projectId, h.get(UsageLedgerKeys))).toEqual([]);

    // Both keys gone, a rebuild gives the aggregates the last kept ones hold (both parts counted).
    await h.rebuildReadModels();
    expect(await aggregates(t)).toEqual(live);
  });
});
