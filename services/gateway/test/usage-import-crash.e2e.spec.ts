import { Decimal } from 'decimal.js';
import { v7 as uuidv7 } from 'uuid';
import type { Pool } from 'pg';
import {
  createSession,
  eventually,
  LEDGER_RECORD_COUNT_SQL,
  startPlatformSession,
  TestPlatform,
  type PlatformSession,
  type TestSession,
} from '@llmlab/testing';

jest.setTimeout(240_000);

const DAY = 86_400_000;
const LINES = 20_000;
/** Every 100th line repeats the id of the line 50 before it; every 500th line is invalid (no model); never both. */
const isRepeat = (i: number) => i % 100 === 60;
const isInvalid = (i: number) => i % 500 === 499;

// kill -9 of the ingestion process in the middle of an import: the restarted process resumes from the last
// checkpoint, and every line ends up counted exactly once (nothing lost, nothing appended twice).
describe('usage import: crash mid-import', () => {
  let session: PlatformSession;
  let platform: TestPlatform;
  let sql: Pool;
  let s: TestSession;

  beforeAll(async () => {
    // A short ack wait: the import the killed process held is redelivered quickly.
    session = await startPlatformSession({ services: ['gateway', 'auth', 'ingestion'], env: { CONSUMER_ACK_WAIT_MS: '2000' } });
    ({ platform, pool: sql } = session);
    s = await createSession(platform.gatewayUrl);
  }, 180_000);

  afterAll(async () => {
    await session?.stop();
  }, 60_000);

  it('resumes after kill -9 without gaps or doubles: counts and totals exact', async () => {
    // $1 per million input tokens, $2 per million output tokens: each event costs exactly 0.002.
    const price = await s.agent.post(`/v1/organizations/${s.organizationId}/pricing/overrides`, {
      provider: 'acme',
      model: 'acme-llm-1',
      rates: { input: '1', output: '2' },
    });
    expect(price.status).toBe(201);
    const ids: string[] = [];
    const lines: string[] = [];
    const start = Date.now() - 300 * DAY;
    for (let i = 0; i < LINES; i++) {
      const id = isRepeat(i) ? ids[i - 50] : `crash-${i}-${uuidv7()}`;
      ids.push(id);
      lines.push(
        JSON.stringify({
          id,
          timestamp: new Date(start + i * 1_000_000).toISOString(),
          provider: 'acme',
          ...(isInvalid(i) ? {} : { model: 'acme-llm-1' }),
          usage: { inputTokens: 1000, outputTokens: 500 },
          latencyMs: 10,
          status: 'success',
          tags: { run: 'crash' },
          metadata: {},
        }),
      );
    }
    const invalid = Array.from({ length: LINES }, (_, i) => i).filter(isInvalid);
    const valid = LINES - invalid.length;
    const repeats = Array.from({ length: LINES }, (_, i) => i).filter(isRepeat);
    const unique = valid - repeats.length;

    const res = await s.keyAgent.upload(`/v1/projects/${s.projectId}/usage/imports`, lines.join('\n') + '\n', 'application/x-ndjson');
    expect(res.status).toBe(202);
    const importId = res.body.importId as string;
    const stream = `ingestion.usage-import-${importId}`;
    const parts = async () =>
      Number(
        (
          await sql.query<{ n: string }>(
            `SELECT count(*) AS n FROM event_store.events WHERE stream_id = $1 AND type = 'UsageImportPartRecorded'`,
            [stream],
          )
        ).rows[0].n,
      );

    // Killed once a few parts are recorded, well before the twenty.
    await eventually(async () => ((await parts()) >= 3 ? true : undefined), 'three parts recorded', 60_000);
    expect(await platform.stopService('ingestion', 'SIGKILL')).toMatchObject({ signal: 'SIGKILL' });
    const before = await parts();
    expect(before).toBeLessThan(LINES / 1000);

    await platform.startService('ingestion');
    const done = await eventually(
      async () => {
        const r = await s.keyAgent.get(`/v1/usage/imports/${importId}`);
        return r.body.status === 'completed' ? r.body : undefined;
      },
      'the import to complete after the restart',
      120_000,
    );
    expect(done).toMatchObject({ linesRead: LINES, accepted: unique, duplicates: repeats.length, rejected: invalid.length });
    expect(done.errors).toHaveLength(invalid.length);
    expect(done.errors.map((e: { line: number }) => e.line)).toEqual(invalid.map((i) => i + 1));

    // One checkpoint per part, each once; the ledger holds every valid line once (a part repeated after the crash
    // appended nothing); the read models count each id once, with exact totals.
    const checkpoints = await sql.query<{ part: number }>(
      `SELECT (data->>'part')::int AS part FROM event_store.events WHERE stream_id = $1 AND type = 'UsageImportPartRecorded' ORDER BY position`,
      [stream],
    );
    expect(checkpoints.rows.map((r) => r.part)).toEqual(Array.from({ length: LINES / 1000 }, (_, i) => i));
    const ledger = await sql.query<{ n: string }>(
      `SELECT coalesce(sum(${LEDGER_RECORD_COUNT_SQL}), 0) AS n FROM event_store.events WHERE type = 'UsageRecorded' AND data->>'importId' = $1`,
      [importId],
    );
    expect(Number(ledger.rows[0].n)).toBe(valid);
    const records = await sql.query<{ n: string; cost: string }>(
      'SELECT count(*) AS n, sum(cost)::text AS cost FROM ingestion.usage_records WHERE project_id = $1',
      [s.projectId],
    );
    expect(Number(records.rows[0].n)).toBe(unique);
    expect(records.rows[0].cost).toBe(new Decimal('0.002').times(unique).toFixed(12));
    const rollups = await sql.query<{ requests: string; cost: string }>(
      'SELECT sum(requests)::text AS requests, sum(cost)::text AS cost FROM ingestion.usage_rollups_daily WHERE project_id = $1',
      [s.projectId],
    );
    expect(rollups.rows[0]).toEqual({ requests: String(unique), cost: new Decimal('0.002').times(unique).toFixed(12) });
  });
});
