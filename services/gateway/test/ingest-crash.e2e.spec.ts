import type { UsageEventInput } from '@llmlab/contracts';
import type { Pool } from 'pg';
import {
  createSession,
  eventually,
  startPlatformSession,
  TestPlatform,
  usageEvent,
  type PlatformSession,
  type TestSession,
} from '@llmlab/testing';
import { settledRequests } from './usage.helpers';

jest.setTimeout(240_000);

const POSTERS = 4;
const EVENTS_PER_BATCH = 50;

// kill -9 of the ingestion service while clients keep posting through the gateway, then a restart: every event the
// gateway answered 202 for is in the usage records exactly once, and nothing else is.
describe('ingestion killed with SIGKILL under load', () => {
  let session: PlatformSession;
  let platform: TestPlatform;
  let sql: Pool;
  let s: TestSession;

  beforeAll(async () => {
    // A short ack wait: what the killed process had fetched is redelivered quickly.
    session = await startPlatformSession({ services: ['gateway', 'auth', 'ingestion'], env: { CONSUMER_ACK_WAIT_MS: '2000' } });
    ({ platform, pool: sql } = session);
    s = await createSession(platform.gatewayUrl);
  }, 120_000);

  afterAll(async () => {
    await session?.stop();
  }, 60_000);

  const recorded = async () =>
    (await sql.query<{ event_id: string }>('SELECT event_id FROM ingestion.usage_records WHERE project_id = $1', [s.projectId])).rows.map(
      (r) => r.event_id,
    );

  it('records every acknowledged event exactly once', async () => {
    const acknowledged = new Set<string>();
    const refusals: string[] = [];
    let batches = 0;
    let posting = true;
    const poster = async () => {
      let previous: UsageEventInput[] | undefined;
      while (posting) {
        // Every third request resends the previous batch, as a client does after a lost answer.
        const events =
          previous && batches % 3 === 0 ? previous : Array.from({ length: EVENTS_PER_BATCH }, () => usageEvent({ tags: { run: 'crash' } }));
        batches++;
        try {
          const res = await s.keyAgent.post('/v1/usage', { events });
          if (res.status === 202) events.forEach((e) => acknowledged.add(String(e.id)));
          else refusals.push(`${res.status} ${JSON.stringify(res.body)}`);
        } catch (err) {
          refusals.push(String(err));
        }
        previous = events;
      }
    };
    const load = Promise.all(Array.from({ length: POSTERS }, poster));

    await eventually(async () => ((await recorded()).length > 200 ? true : undefined), 'the first records', 30_000);
    const exit = await platform.stopService('ingestion', 'SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    const atKill = (await recorded()).length;
    // The gateway keeps answering 202 while the service is down: JetStream holds the batches.
    const before = acknowledged.size;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(acknowledged.size).toBeGreaterThan(before);
    await platform.startService('ingestion');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    posting = false;
    await load;

    expect(refusals).toEqual([]);
    expect(acknowledged.size).toBeGreaterThan(atKill);
    await eventually(
      async () => ((await recorded()).length >= acknowledged.size ? true : undefined),
      `${acknowledged.size} records`,
      120_000,
    );
    await settledRequests(s.keyAgent, s.projectId, acknowledged.size, 30_000);

    const ids = await recorded();
    expect(ids.length).toBe(new Set(ids).size);
    expect(new Set(ids)).toEqual(acknowledged);
    expect(batches).toBeGreaterThan(20);
  });
});
