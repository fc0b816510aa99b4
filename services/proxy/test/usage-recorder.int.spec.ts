import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { INGEST_USAGE_SUBJECT, type UsageBatchAccepted } from '@llmlab/contracts';
import { ensureStreams, streamTopology } from '@llmlab/messaging';
import { eventually, PrivateNats, testEnv, uniqueSuffix, usageEvent } from '@llmlab/testing';
import { UsageRecorder, type UsageOwner } from '../src/recording/usage-recorder';
import { UsageSpool } from '../src/recording/usage-spool';

const owner = (n: number): UsageOwner => ({
  organizationId: `0190a000-0000-7000-8000-00000000000${n}`,
  projectId: `0190a000-0000-7000-8000-00000000010${n}`,
  apiKeyId: `0190a000-0000-7000-8000-00000000020${n}`,
  correlationId: `c-${n}`,
});

/** Every message of the prefix's INGEST stream, in order. */
async function ingested(nc: NatsConnection, prefix: string): Promise<UsageBatchAccepted[]> {
  const jsm = await jetstreamManager(nc);
  const name = streamTopology(prefix).ingest.name;
  const { state } = await jsm.streams.info(name);
  const out: UsageBatchAccepted[] = [];
  for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
    const message = await jsm.streams.getMessage(name, { seq });
    if (message) out.push(message.json<UsageBatchAccepted>());
  }
  return out;
}

const eventIds = (batches: UsageBatchAccepted[]) => batches.flatMap((b) => b.events.map((e) => e.id));

describe('UsageRecorder (JetStream, a spool on disk)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'llmlab-recorder-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function recorder(nc: NatsConnection, spool: UsageSpool, prefix: string) {
    return new UsageRecorder({
      spool,
      js: jetstream(nc, { timeout: 1_000 }),
      subject: streamTopology(prefix).subject(INGEST_USAGE_SUBJECT),
      maxPayload: () => nc.info?.max_payload ?? 1 << 20,
      logger: pino({ level: 'silent' }),
      publishTimeoutMs: 1_000,
      retryMaxMs: 200,
    });
  }

  it('publishes what it records to INGEST, a batch per owner, each event once, and empties its spool', async () => {
    const prefix = `prx${uniqueSuffix(4)}`;
    const nc = await connect({ servers: testEnv.natsUrl });
    const jsm = await jetstreamManager(nc);
    try {
      await ensureStreams(jsm, { prefix });
      const spool = await UsageSpool.open({ dir, maxSegmentBytes: 4096 });
      const r = recorder(nc, spool, prefix);
      await r.start();
      const calls = Array.from({ length: 120 }, (_, i) => ({ event: usageEvent({ userId: `u-${i % 3}` }), owner: owner(i % 2) }));
      await Promise.all(calls.map((c) => r.record(c.event, c.owner)));
      await eventually(async () => r.backlog === 0, 'the backlog sent');

      const batches = await ingested(nc, prefix);
      expect(eventIds(batches).sort()).toEqual(calls.map((c) => c.event.id).sort());
      for (const b of batches) {
        const o = owner(b.organizationId.endsWith('1') ? 1 : 0);
        expect(b).toMatchObject({
          organizationId: o.organizationId,
          projectId: o.projectId,
          apiKeyId: o.apiKeyId,
          correlationId: o.correlationId,
        });
        expect(b.events.every((e) => calls.find((c) => c.event.id === e.id)!.owner.projectId === o.projectId)).toBe(true);
        expect(Date.parse(b.receivedAt)).not.toBeNaN();
      }
      expect(batches.length).toBeLessThan(calls.length);
      // Drained segments are gone: only the one being written remains.
      expect(readdirSync(dir).filter((f) => f.endsWith('.spool'))).toHaveLength(1);
      await r.stop();
      await spool.close();
      await expect(r.record(usageEvent(), owner(0))).rejects.toThrow('stopped');
    } finally {
      const t = streamTopology(prefix);
      for (const s of [t.events, t.ingest, t.deadLetter]) await jsm.streams.delete(s.name).catch(() => false);
      await nc.close();
    }
  });

  it('refuses an event the ingest path would refuse, naming the field', async () => {
    const nc = await connect({ servers: testEnv.natsUrl });
    const spool = await UsageSpool.open({ dir });
    const r = recorder(nc, spool, `prx${uniqueSuffix(4)}`);
    try {
      await expect(r.record(usageEvent({ model: '' }), owner(0))).rejects.toThrow('/model');
    } finally {
      await r.stop();
      await spool.close();
      await nc.close();
    }
  });

  it('loses nothing and sends nothing twice when INGEST is down and the process is killed with SIGKILL', async () => {
    const nats = await PrivateNats.create();
    const prefix = `prx${uniqueSuffix(4)}`;
    let child: ChildProcess | undefined;
    try {
      const admin = await connect({ servers: nats.url });
      await ensureStreams(await jetstreamManager(admin), { prefix });
      await admin.close();

      child = spawn(
        process.execPath,
        ['-r', '@swc-node/register', join(__dirname, 'usage-recorder.child.ts'), dir, nats.url, prefix, JSON.stringify(owner(1))],
        { stdio: ['pipe', 'pipe', 'inherit'] },
      );
      const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      const next = async () => String((await lines.next()).value);
      expect(await next()).toBe('ready');

      // Recorded and sent while INGEST is up...
      child.stdin!.write('record 40\n');
      const sent = (await next()).replace('spooled ', '').split(',');
      const probe = await connect({ servers: nats.url });
      await eventually(async () => eventIds(await ingested(probe, prefix)).length === 40, 'the first 40 in INGEST');
      await probe.close();

      // ...then recorded while it is down, and the recorder killed before it could send them.
      await nats.kill();
      child.stdin!.write('record 60\n');
      const spooled = (await next()).replace('spooled ', '').split(',');
      child.kill('SIGKILL');
      await new Promise((resolve) => child!.once('exit', resolve));

      await nats.start();
      const nc = await connect({ servers: nats.url });
      const spool = await UsageSpool.open({ dir });
      const r = recorder(nc, spool, prefix);
      await r.start();
      await eventually(async () => r.backlog === 0, 'the spool sent after the restart');
      const ids = eventIds(await ingested(nc, prefix));
      expect(ids.length).toBe(100);
      expect(new Set(ids)).toEqual(new Set([...sent, ...spooled]));
      await r.stop();
      await spool.close();
      await nc.close();
    } finally {
      child?.kill('SIGKILL');
      await nats.remove();
    }
  });
});
