import { defineSubject, MessagingErrorCode, type RequestContext } from '@llmlab/contracts';
import { CodedError } from '@llmlab/domain';
import { eventually as retry, testEnv, uniqueSuffix } from '@llmlab/testing';
import { Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { ChunkStreamError, openChunkStream, serveChunkStreams, type ChunkStream, type ChunkStreamServer } from './chunk-stream';

const prefix = `t${uniqueSuffix()}`;
/** `count` chunks `chunk-<i>`; `failAt` throws a plain error there, `stallAt` waits there until released. */
const numbers = defineSubject<{ count: number; failAt?: number; stallAt?: number }, Uint8Array>('ingestion.query.numbers');
const nobody = defineSubject<Record<string, never>, Uint8Array>('alerts.query.nobody-streams');
const context: RequestContext = { correlationId: 'corr-stream' };

/** Retries an expectation until it holds. */
const eventually = (expectation: () => void, timeoutMs?: number) =>
  retry(
    async () => {
      expectation();
      return true;
    },
    'the expectation',
    timeoutMs,
  );

class CountError extends CodedError<'VALIDATION_FAILED'> {}

describe('chunk streams over core NATS', () => {
  let service: NatsConnection;
  let gateway: NatsConnection;
  let server: ChunkStreamServer;
  /** What the service's source did: chunks produced, and whether its finally ran (the resource released). */
  const produced: number[] = [];
  const released: string[] = [];
  let releaseStall: () => void = () => undefined;
  const logged: string[] = [];

  beforeAll(async () => {
    Logger.overrideLogger(false);
    service = await connect({ servers: testEnv.natsUrl });
    gateway = await connect({ servers: testEnv.natsUrl });
    server = serveChunkStreams(service, numbers, { prefix, queue: 'ingestion', log: (_l, m) => logged.push(m) }, async (payload, ctx) => {
      if (!(payload.count >= 0)) throw new CountError('VALIDATION_FAILED', 'count must be a number', [{ field: '/count', message: 'bad' }]);
      const id = ctx.correlationId;
      return (async function* () {
        try {
          for (let i = 0; i < payload.count; i++) {
            if (i === payload.failAt) throw new Error('the disk is on fire');
            if (i === payload.stallAt) await new Promise<void>((resolve) => (releaseStall = resolve));
            produced.push(i);
            yield Buffer.from(`chunk-${i};`);
          }
        } finally {
          released.push(id);
        }
      })();
    });
    await service.flush();
  });

  afterAll(async () => {
    await server.stop();
    await Promise.all([service.close(), gateway.close()]);
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  beforeEach(() => {
    produced.length = 0;
    released.length = 0;
  });

  const open = (payload: { count: number; failAt?: number; stallAt?: number }, options = {}, correlationId = 'corr-stream') =>
    openChunkStream<typeof numbers>(gateway, `${prefix}.${numbers.subject}`, payload, { ...context, correlationId }, options);

  async function opened(payload: { count: number; failAt?: number; stallAt?: number }, options = {}, correlationId?: string) {
    const reply = await open(payload, options, correlationId);
    if (!reply.ok) throw new Error(`refused: ${reply.error.code}`);
    return reply.data;
  }

  async function readAll(stream: ChunkStream): Promise<string> {
    let text = '';
    for await (const chunk of stream) text += Buffer.from(chunk).toString();
    return text;
  }

  it('delivers every chunk in order and ends, the source released', async () => {
    const stream = await opened({ count: 500 }, { credit: 4 });
    const expected = Array.from({ length: 500 }, (_, i) => `chunk-${i};`).join('');
    expect(await readAll(stream)).toBe(expected);
    await eventually(() => expect(released).toEqual(['corr-stream']));
  });

  it('delivers an empty stream as an empty stream', async () => {
    expect(await readAll(await opened({ count: 0 }))).toBe('');
  });

  it('never lets the service run ahead of the credit the reader granted', async () => {
    const stream = await opened({ count: 100 }, { credit: 4 });
    // The reader takes nothing: the service sends the 4 chunks granted and stops there.
    await eventually(() => expect(produced.length).toBe(4));
    await new Promise((r) => setTimeout(r, 300));
    expect(produced.length).toBe(4);
    // Taking half the window grants it again: 2 more chunks, no more.
    expect(Buffer.from((await stream.next()).value as Uint8Array).toString()).toBe('chunk-0;');
    expect(Buffer.from((await stream.next()).value as Uint8Array).toString()).toBe('chunk-1;');
    await eventually(() => expect(produced.length).toBe(6));
    await new Promise((r) => setTimeout(r, 300));
    expect(produced.length).toBe(6);
    await stream.return();
    await eventually(() => expect(released).toEqual(['corr-stream']));
  });

  it('refuses a bad request before any chunk, with the coded error', async () => {
    const reply = await open({ count: -1 });
    expect(reply).toEqual({
      ok: false,
      error: { code: 'VALIDATION_FAILED', message: 'count must be a number', errors: [{ field: '/count', message: 'bad' }] },
    });
  });

  it('cancels the source when the reader stops early', async () => {
    const stream = await opened({ count: 1_000_000 }, { credit: 2 }, 'corr-cancel');
    await stream.next();
    await stream.return();
    await eventually(() => expect(released).toEqual(['corr-cancel']));
    const count = produced.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(produced.length).toBe(count);
    expect(count).toBeLessThan(10);
  });

  it('fails the reader when the source fails mid-way, after the chunks before it (never a short stream)', async () => {
    const stream = await opened({ count: 50, failAt: 20 }, { credit: 8 });
    const got: string[] = [];
    let failure: unknown;
    try {
      for await (const chunk of stream) got.push(Buffer.from(chunk).toString());
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(ChunkStreamError);
    expect((failure as ChunkStreamError).reply).toEqual({ code: MessagingErrorCode.InternalError, message: 'internal error' });
    expect(got.length).toBeLessThanOrEqual(20);
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => `chunk-${i};`));
    await eventually(() => expect(released).toEqual(['corr-stream']));
  });

  it('times out a stalled service and cancels it there', async () => {
    const stream = await opened({ count: 10, stallAt: 3 }, { credit: 8, idleTimeoutMs: 500 }, 'corr-stall');
    const started = Date.now();
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) got.push(Buffer.from(chunk).toString());
      })(),
    ).rejects.toMatchObject({ reply: { code: MessagingErrorCode.ServiceTimeout } });
    expect(got).toEqual(['chunk-0;', 'chunk-1;', 'chunk-2;']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    releaseStall();
    await eventually(() => expect(released).toEqual(['corr-stall']));
  });

  it('cancels a stream whose reader went silent (no credit, no keep-alive)', async () => {
    // A reader on a connection that then disappears: it never grants credit nor says it is alive.
    const lost = await connect({ servers: testEnv.natsUrl });
    const reply = await openChunkStream<typeof numbers>(
      lost,
      `${prefix}.${numbers.subject}`,
      { count: 100 },
      { correlationId: 'corr-lost' },
      {
        credit: 2,
        idleTimeoutMs: 400,
      },
    );
    expect(reply.ok).toBe(true);
    await lost.close();
    await eventually(() => expect(released).toEqual(['corr-lost']), 5_000);
    expect(produced.length).toBe(2);
    expect(logged.some((m) => m.includes('the reader sent nothing for 400 ms'))).toBe(true);
  });

  it('keeps a slow but live reader: keep-alives hold the stream open past the idle timeout', async () => {
    const stream = await opened({ count: 5 }, { credit: 1, idleTimeoutMs: 300 }, 'corr-slow');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(released).toEqual([]);
    expect(await readAll(stream)).toBe('chunk-0;chunk-1;chunk-2;chunk-3;chunk-4;');
  });

  it('answers unavailable when no service serves the subject', async () => {
    const reply = await openChunkStream<typeof nobody>(gateway, `${prefix}.${nobody.subject}`, {}, context, { idleTimeoutMs: 2_000 });
    expect(reply).toMatchObject({ ok: false, error: { code: MessagingErrorCode.ServiceUnavailable } });
  });

  it('fails the open streams with SHUTTING_DOWN when the service stops, and releases them', async () => {
    const own = serveChunkStreams(service, numbers, { prefix: `${prefix}x`, queue: 'ingestion' }, async () =>
      (async function* () {
        try {
          for (;;) yield Buffer.from('x');
        } finally {
          released.push('stopped');
        }
      })(),
    );
    // The subscription reaches the server with the next write on the service's connection: a round trip makes sure
    // it has, before another connection asks (else the server answers "no responders").
    await service.flush();
    const reply = await openChunkStream<typeof numbers>(gateway, `${prefix}x.${numbers.subject}`, { count: 1 }, context, { credit: 2 });
    if (!reply.ok) throw new Error(reply.error.code);
    await reply.data.next();
    await own.stop();
    expect(released).toEqual(['stopped']);
    await expect(readAll(reply.data)).rejects.toMatchObject({ reply: { code: MessagingErrorCode.ShuttingDown } });
  });
});
