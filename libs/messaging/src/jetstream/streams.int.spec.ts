import { testEnv, uniqueSuffix } from '@llmlab/testing';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { ensureStreams, streamTopology } from './streams';

describe('ensureStreams', () => {
  const prefix = `s${uniqueSuffix()}`;
  const topology = streamTopology(prefix);
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    nc = await connect({ servers: testEnv.natsUrl });
    jsm = await jetstreamManager(nc);
  });

  afterAll(async () => {
    for (const ref of [topology.events, topology.ingest, topology.deadLetter]) {
      await jsm.streams.delete(ref.name).catch(() => undefined);
    }
    await nc.close();
  });

  it('creates EVENTS (append-only, deduplicating), INGEST (work queue) and the dead-letter stream', async () => {
    await ensureStreams(jsm, { prefix });
    const events = (await jsm.streams.info(topology.events.name)).config;
    expect(events).toMatchObject({
      subjects: [`${prefix}.events.>`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      deny_delete: true,
      deny_purge: true,
      duplicate_window: nanos(120_000),
    });
    expect((await jsm.streams.info(topology.ingest.name)).config).toMatchObject({
      subjects: [`${prefix}.ingest.>`],
      retention: RetentionPolicy.Workqueue,
    });
    expect((await jsm.streams.info(topology.deadLetter.name)).config).toMatchObject({
      subjects: [`${prefix}.dlq.>`],
      retention: RetentionPolicy.Limits,
    });
  });

  it('is idempotent and converges an existing stream on the requested settings', async () => {
    await ensureStreams(jsm, { prefix });
    await ensureStreams(jsm, { prefix, duplicateWindowMs: 300_000 });
    expect((await jsm.streams.info(topology.events.name)).config.duplicate_window).toBe(nanos(300_000));
  });

  it('refuses to delete or purge an event, and drops a republished event id', async () => {
    const js = jetstream(nc);
    const subject = topology.subject('events.auth.ProjectCreated');
    const first = await js.publish(subject, '{}', { msgID: 'evt-1' });
    const again = await js.publish(subject, '{}', { msgID: 'evt-1' });
    expect(again).toMatchObject({ seq: first.seq, duplicate: true });
    await expect(jsm.streams.deleteMessage(topology.events.name, first.seq)).rejects.toThrow();
    await expect(jsm.streams.purge(topology.events.name)).rejects.toThrow();
    expect((await jsm.streams.info(topology.events.name)).state.messages).toBe(1);
  });
});
