import { testEnv, uniqueSuffix } from '@llmlab/testing';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { Logger } from '@nestjs/common';
import { ensureStreams, type StreamTopology } from '../jetstream/streams';
import { DeadLetterHeaders, runConsumer, type ConsumerHandle, type ConsumerOptions } from './run-consumer';

async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('runConsumer', () => {
  const prefix = `c${uniqueSuffix()}`;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let topology: StreamTopology;
  const handles: ConsumerHandle[] = [];
  let n = 0;

  /** Each test gets its own subject and durable inside the file's INGEST stream. */
  async function start(overrides: Partial<ConsumerOptions> & Pick<ConsumerOptions, 'handler'>) {
    n += 1;
    const subject = topology.subject(`ingest.case${n}`);
    const handle = await runConsumer({
      js,
      stream: topology.ingest.name,
      durable: `case${n}`,
      filterSubject: subject,
      concurrency: 1,
      maxDeliver: 3,
      backoffMs: [50, 100],
      deadLetterSubject: topology.subject(`dlq.case${n}`),
      ...overrides,
    });
    handles.push(handle);
    return { subject, handle, durable: `case${n}` };
  }

  async function deadLetterOf(durable: string) {
    const subject = topology.subject(`dlq.${durable}`);
    await eventually(async () => (await jsm.streams.getMessage(topology.deadLetter.name, { last_by_subj: subject })) !== null);
    return (await jsm.streams.getMessage(topology.deadLetter.name, { last_by_subj: subject }))!;
  }

  async function countMessages(stream: string, subject: string): Promise<number> {
    const info = await jsm.streams.info(stream, { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  }

  beforeAll(async () => {
    Logger.overrideLogger(false);
    nc = await connect({ servers: testEnv.natsUrl });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
    topology = await ensureStreams(jsm, { prefix });
  });

  afterAll(async () => {
    await Promise.all(handles.map((h) => h.stop()));
    for (const ref of [topology.events, topology.ingest, topology.deadLetter]) await jsm.streams.delete(ref.name);
    await nc.close();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  it('hands each message to the handler and acknowledges it once the handler resolved', async () => {
    const seen: number[] = [];
    const { subject, durable } = await start({
      handler: async (msg) => {
        seen.push(msg.json<{ i: number }>().i);
      },
    });
    for (let i = 0; i < 20; i++) await js.publish(subject, JSON.stringify({ i }));
    await eventually(async () => (await jsm.consumers.info(topology.ingest.name, durable)).num_ack_pending === 0 && seen.length === 20);
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const info = await jsm.consumers.info(topology.ingest.name, durable);
    expect(info.num_pending).toBe(0);
    expect(info.num_redelivered).toBe(0);
  });

  it('redelivers a failed message after a backoff until it succeeds, then acknowledges it once', async () => {
    const deliveries: { count: number; at: number }[] = [];
    let successes = 0;
    const { subject, durable } = await start({
      handler: async (msg) => {
        deliveries.push({ count: msg.info.deliveryCount, at: Date.now() });
        if (msg.info.deliveryCount < 3) throw new Error('database busy');
        successes += 1;
      },
    });
    const { seq } = await js.publish(subject, '{}');
    await eventually(() => successes === 1);
    await eventually(async () => (await jsm.consumers.info(topology.ingest.name, durable)).ack_floor.stream_seq === seq);
    await new Promise((r) => setTimeout(r, 300));
    expect(deliveries.map((d) => d.count)).toEqual([1, 2, 3]);
    expect(successes).toBe(1);
    expect(deliveries[1].at - deliveries[0].at).toBeGreaterThanOrEqual(40);
    expect(deliveries[2].at - deliveries[1].at).toBeGreaterThanOrEqual(90);
    // Work-queue retention: the acknowledged message is gone from the stream.
    await expect(jsm.streams.getMessage(topology.ingest.name, { seq })).resolves.toBeNull();
  });

  it('dead-letters a poison message after maxDeliver attempts, with headers saying where it came from and why', async () => {
    let attempts = 0;
    const { subject, durable } = await start({
      handler: async () => {
        attempts += 1;
        throw new Error(`cannot parse\nline ${attempts}`);
      },
    });
    const { seq } = await js.publish(subject, JSON.stringify({ poison: true }));
    const dead = await deadLetterOf(durable);
    expect(dead.json()).toEqual({ poison: true });
    expect(dead.header.get(DeadLetterHeaders.Subject)).toBe(subject);
    expect(dead.header.get(DeadLetterHeaders.Stream)).toBe(topology.ingest.name);
    expect(dead.header.get(DeadLetterHeaders.StreamSequence)).toBe(String(seq));
    expect(dead.header.get(DeadLetterHeaders.Consumer)).toBe(durable);
    expect(dead.header.get(DeadLetterHeaders.Deliveries)).toBe('3');
    expect(dead.header.get(DeadLetterHeaders.Error)).toBe('cannot parse line 3');
    await eventually(async () => (await jsm.consumers.info(topology.ingest.name, durable)).num_ack_pending === 0);
    await new Promise((r) => setTimeout(r, 300));
    expect(attempts).toBe(3);
    expect(await countMessages(topology.deadLetter.name, topology.subject(`dlq.${durable}`))).toBe(1);
  });

  it('dead-letters at once a message whose handler failed on its data (a PostgreSQL data exception)', async () => {
    let attempts = 0;
    const { subject, durable } = await start({
      backoffMs: [60_000],
      handler: async () => {
        attempts += 1;
        throw Object.assign(new Error('numeric field overflow'), { code: '22003' });
      },
    });
    await js.publish(subject, JSON.stringify({ cost: '9999999999999999' }));
    const dead = await deadLetterOf(durable);
    // Not redelivered after a minute's backoff: the same data would fail the same way.
    expect(dead.header.get(DeadLetterHeaders.Deliveries)).toBe('1');
    expect(dead.header.get(DeadLetterHeaders.Error)).toBe('numeric field overflow');
    expect(attempts).toBe(1);
  });

  it('dead-letters, without running the handler again, a message whose last attempt never answered', async () => {
    const calls: number[] = [];
    const { subject, durable, handle } = await start({ handler: async (msg) => void calls.push(msg.info.deliveryCount) });
    await handle.stop();
    await js.publish(subject, 'kills the process');
    // Three deliveries that end without an answer, as if the process died in each.
    const raw = await js.consumers.get(topology.ingest.name, durable);
    for (let i = 1; i <= 3; i++) {
      const msg = await raw.next({ expires: 2_000 });
      expect(msg?.info.deliveryCount).toBe(i);
      msg!.nak();
    }
    const dlqSubject = topology.subject(`dlq.${durable}`);
    await start({
      durable,
      filterSubject: subject,
      deadLetterSubject: dlqSubject,
      handler: async (msg) => void calls.push(msg.info.deliveryCount),
    });
    const dead = await deadLetterOf(durable);
    expect(dead.string()).toBe('kills the process');
    expect(dead.header.get(DeadLetterHeaders.Deliveries)).toBe('4');
    expect(calls).toEqual([]);
  });

  it('puts a message back for the delay its handler chose, without counting it as a failure', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const deliveries: { count: number; at: number }[] = [];
    const { subject, durable } = await start({
      // Longer than any backoff step, so only the handler's own delay can explain the wait.
      handler: async (msg) => {
        deliveries.push({ count: msg.info.deliveryCount, at: Date.now() });
        return msg.info.deliveryCount === 1 ? { retryInMs: 600 } : undefined;
      },
    });
    const { seq } = await js.publish(subject, '{}');
    await eventually(async () => (await jsm.consumers.info(topology.ingest.name, durable)).ack_floor.stream_seq === seq);
    expect(deliveries.map((d) => d.count)).toEqual([1, 2]);
    expect(deliveries[1].at - deliveries[0].at).toBeGreaterThanOrEqual(550);
    expect(warn.mock.calls.flat().join('\n')).not.toContain(subject);
    warn.mockRestore();
  });

  it('runs the dead-letter hook once, before the message reaches the dead-letter subject', async () => {
    const hooked: { delivery: number; reason: string; alreadyDead: number }[] = [];
    const { subject, durable } = await start({
      handler: async () => {
        throw new Error('cannot parse');
      },
      beforeDeadLetter: async (msg, reason) => {
        const alreadyDead = await countMessages(topology.deadLetter.name, topology.subject(`dlq.${durable}`));
        hooked.push({ delivery: msg.info.deliveryCount, reason, alreadyDead });
      },
    });
    await js.publish(subject, JSON.stringify({ poison: true }));
    const dead = await deadLetterOf(durable);
    expect(dead.json()).toEqual({ poison: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(hooked).toEqual([{ delivery: 3, reason: 'cannot parse', alreadyDead: 0 }]);
  });

  it('dead-letters, through the hook, a message its handler keeps putting back, and retries a hook that failed', async () => {
    const hooked: [number, string][] = [];
    let handled = 0;
    const { subject, durable } = await start({
      handler: async () => {
        handled += 1;
        return { retryInMs: 20 };
      },
      beforeDeadLetter: async (msg, reason) => {
        hooked.push([msg.info.deliveryCount, reason]);
        if (hooked.length === 1) throw new Error('event store unavailable');
      },
    });
    await js.publish(subject, 'never done');
    const dead = await deadLetterOf(durable);
    expect(dead.string()).toBe('never done');
    // The third delivery is the last one the handler gets; the extra one only dead-letters.
    expect(dead.header.get(DeadLetterHeaders.Deliveries)).toBe('4');
    expect(handled).toBe(3);
    expect(hooked).toEqual([
      [3, 'still to be retried after 3 deliveries'],
      [4, 'the last allowed delivery ended without an answer'],
    ]);
  });

  it('never runs more handlers at once than its concurrency, and uses all of it', async () => {
    let running = 0;
    let peak = 0;
    let done = 0;
    const { subject } = await start({
      concurrency: 4,
      handler: async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 20));
        running -= 1;
        done += 1;
      },
    });
    await Promise.all(Array.from({ length: 40 }, (_, i) => js.publish(subject, JSON.stringify({ i }))));
    await eventually(() => done === 40);
    expect(peak).toBe(4);
  });

  it('stops intake on stop(), waits for the handlers in flight, and leaves the rest to the next consumer', async () => {
    const handledBy: Record<string, string> = {};
    const release: (() => void)[] = [];
    const options = {
      concurrency: 2,
      ackWaitMs: 1_000,
      handler: async (msg: JsMsg) => {
        await new Promise<void>((r) => release.push(r));
        handledBy[msg.string()] = 'first';
      },
    };
    const { subject, handle, durable } = await start(options);
    for (let i = 0; i < 6; i++) await js.publish(subject, `m${i}`);
    await eventually(() => release.length === 2);
    let stopped = false;
    const stopping = handle.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(stopped).toBe(false);
    release.forEach((r) => r());
    await stopping;
    expect(Object.keys(handledBy).sort()).toEqual(['m0', 'm1']);

    const second = await runConsumer({
      js,
      stream: topology.ingest.name,
      durable,
      filterSubject: subject,
      concurrency: 2,
      maxDeliver: 3,
      backoffMs: [50],
      ackWaitMs: 1_000,
      deadLetterSubject: topology.subject(`dlq.${durable}`),
      handler: async (msg) => {
        expect(handledBy[msg.string()]).toBeUndefined();
        handledBy[msg.string()] = 'second';
      },
    });
    handles.push(second);
    await eventually(() => Object.keys(handledBy).length === 6);
    expect(handledBy).toEqual({ m0: 'first', m1: 'first', m2: 'second', m3: 'second', m4: 'second', m5: 'second' });
  });
});
