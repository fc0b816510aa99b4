import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import {
  createSession,
  eventually,
  ledgerUsageRecords,
  platformUsageLedgerKeys,
  startPlatformSession,
  usageEvent,
  type PlatformSession,
  type TestSession,
} from '@llmlab/testing';

jest.setTimeout(240_000);

const run = promisify(execFile);
const DAY = 86_400_000;

// Issue 14, retention of usage detail, through the booted platform: usage of three months ago backfilled, an
// organization's retention set to 30 days through the gateway, and the ingestion service's own maintenance schedule
// dropping the old records from the read models and making them unreadable in the ledger, while the totals over
// the whole period and the recent records stay.
describe('retention of usage detail', () => {
  let session: PlatformSession;
  let owner: TestSession;
  const canary = `retention-canary-${randomBytes(6).toString('hex')}`;
  const old = Array.from({ length: 3 }, (_, i) =>
    usageEvent({ timestamp: new Date(Date.now() - (90 + i) * DAY).toISOString(), metadata: { note: canary }, tags: { feature: 'search' } }),
  );
  const recent = Array.from({ length: 2 }, () => usageEvent({ tags: { feature: 'search' } }));
  const range = `from=${encodeURIComponent(new Date(Date.now() - 100 * DAY).toISOString())}&to=${encodeURIComponent(
    new Date(Date.now() + 3_600_000).toISOString(),
  )}`;
  const records = async () => {
    const res = await owner.agent.get(`/v1/projects/${owner.projectId}/usage?${range}&limit=100`);
    expect(res.status).toBe(200);
    return (res.body.data as { id: string }[]).map((r) => r.id).sort();
  };
  const summary = async () => {
    const res = await owner.agent.get(`/v1/projects/${owner.projectId}/costs/summary?${range}`);
    expect(res.status).toBe(200);
    return res.body.current as { requests: number; cost: { amount: string } };
  };

  beforeAll(async () => {
    // The maintenance schedule every two seconds, as it runs every hour in production.
    session = await startPlatformSession({ services: ['gateway', 'auth', 'ingestion', 'audit'], env: { MAINTENANCE_INTERVAL_MS: '2000' } });
    owner = await createSession(session.platform.gatewayUrl, { organizationName: 'Keeps 30 days' });
  }, 240_000);

  afterAll(() => session?.stop(), 60_000);

  it('drops usage detail past the retention everywhere and keeps the totals', async () => {
    const file = [...old, ...recent].map((e) => JSON.stringify(e)).join('\n');
    // A 503 (the import store not ready yet on a busy machine) says to retry after Retry-After: a client does.
    await eventually(
      async () => {
        const queued = await owner.agent.upload(`/v1/projects/${owner.projectId}/usage/imports`, file, 'application/x-ndjson');
        if (queued.status === 503) {
          await new Promise((resolve) => setTimeout(resolve, Number(queued.headers.get('retry-after') ?? 1) * 1000));
          return false;
        }
        expect(queued.status).toBe(202);
        return true;
      },
      'the backfill accepted',
      60_000,
    );
    await eventually(async () => (await records()).length === 5, 'the backfill in the read models');
    const before = await summary();
    expect(before.requests).toBe(5);
    const dump = async () => (await run('pg_dump', ['--dbname', session.db.url, '--no-owner'], { maxBuffer: 512 * 1024 * 1024 })).stdout;
    expect(await dump()).toContain(canary);

    const set = await owner.agent.put(`/v1/organizations/${owner.organizationId}/usage-retention`, { usageRetentionDays: 30 });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ usageRetentionDays: 30 });

    // Within a maintenance round or two: the old records are gone from the read models, the recent ones stay, and
    // the totals over the three months are what they were (the aggregates stay).
    await eventually(async () => (await records()).length === 2, 'the old records to expire', 60_000);
    expect(await records()).toEqual(recent.map((e) => e.id).sort());
    expect(await summary()).toEqual(before);

    // The ledger keeps its events, but only the recent records read: the old months' keys are destroyed.
    const keys = platformUsageLedgerKeys(session.platform.natsPrefix);
    const readable = await ledgerUsageRecords(session.pool, owner.projectId, keys).finally(() => keys.onApplicationShutdown());
    expect(readable.map((r) => r.id).sort()).toEqual(recent.map((e) => e.id).sort());
    const { rows } = await session.pool.query<{ type: string }>(
      `SELECT type FROM event_store.events WHERE metadata->>'organizationId' = $1 AND type IN ('UsageDetailExpired', 'UsageAggregatesKept')`,
      [owner.organizationId],
    );
    expect(new Set(rows.map((r) => r.type))).toEqual(new Set(['UsageDetailExpired', 'UsageAggregatesKept']));

    // The audit log tells it, counts only.
    const audit = await owner.agent.get(`/v1/organizations/${owner.organizationId}/audit/events?type=UsageDetailExpired`);
    expect(audit.status).toBe(200);
    const told = (audit.body.data as { summary: string }[]).map((e) => e.summary);
    expect(told).toContainEqual(expect.stringMatching(/^Usage detail older than 30 days expired: 3 usage records deleted/));

    // Nothing of the expired detail is left in the database (the event ids stay in the dedup claims for their window,
    // so that a resend is still counted once: docs/security.md).
    expect(await dump()).not.toContain(canary);
  });
});
