/// <reference types="jest" />
import type { EventMetadata, NewEvent, RecordedEvent } from '@llmlab/contracts';
import { randomBytes } from 'node:crypto';
import { v7 as uuidv7, version as uuidVersion } from 'uuid';
import { IdempotencyConflictError, InvalidAppendError, InvalidStreamNameError, WrongExpectedRevisionError } from './errors';
import type { EventStore, EventSubscription } from './event-store';

/** What an adapter's spec hands the contract: a ready store, and how to release it afterwards. */
export interface EventStoreContractHarness {
  store: EventStore;
  dispose(): Promise<void>;
}

const metadata: EventMetadata = {
  actor: { type: 'system', id: 'event-store-contract' },
  organizationId: 'org-1',
  correlationId: 'corr-1',
  causationId: 'cause-1',
};

export function newEvent(type = 'ThingHappened', data: unknown = { n: 1 }, id?: string): NewEvent {
  return { ...(id === undefined ? {} : { id }), type, data, metadata };
}

/** A stream namespace no other test (or earlier run against the same server) uses. */
export function uniquePrefix(label: string): string {
  return `contract.${label}-${randomBytes(6).toString('hex')}`;
}

export interface Collector {
  received: RecordedEvent[];
  /** Resolves once `count` events arrived; rejects on timeout or when the iteration failed. */
  waitFor(count: number, timeoutMs?: number): Promise<RecordedEvent[]>;
  /** Settles when the iteration ends. */
  ended: Promise<void>;
}

/** Consumes a subscription in the background, the way a projection would. */
export function collect(subscription: EventSubscription): Collector {
  const received: RecordedEvent[] = [];
  let failure: unknown;
  const ended = (async () => {
    try {
      for await (const event of subscription) received.push(event);
    } catch (error) {
      failure = error;
    }
  })();
  return {
    received,
    ended,
    async waitFor(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (failure) throw failure;
        if (Date.now() > deadline) throw new Error(`received ${received.length} of ${count} events`);
        await sleep(10);
      }
      return received.slice(0, count);
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

/**
 * The behaviour every adapter must show, defined once. Tests share one store, so each works in streams of its
 * own and reads the global log from a checkpoint it took itself.
 */
export function describeEventStoreContract(adapter: string, open: () => Promise<EventStoreContractHarness>): void {
  describe(`EventStore contract: ${adapter}`, () => {
    let harness: EventStoreContractHarness;
    let store: EventStore;

    beforeAll(async () => {
      harness = await open();
      store = harness.store;
    });
    afterAll(() => harness?.dispose());

    /** The position of a fresh marker event: everything appended afterwards lies after it. */
    async function checkpoint(): Promise<number> {
      const result = await store.appendToStream(uniquePrefix('marker'), [newEvent('MarkerSet')], {
        expectedRevision: 'no_stream',
      });
      return result.lastPosition;
    }

    describe('appendToStream and readStream', () => {
      it('appends a batch and reads it back with its full envelope', async () => {
        const stream = uniquePrefix('basic');
        const result = await store.appendToStream(
          stream,
          [newEvent('ThingCreated', { a: 1 }), newEvent('ThingRenamed', { name: 'x' }), newEvent('ThingClosed', [1, 2])],
          { expectedRevision: 'no_stream' },
        );
        expect(result).toMatchObject({ nextExpectedRevision: 2, written: true });

        const events = await store.readStream(stream);
        expect(events.map((e) => [e.type, e.revision, e.data])).toEqual([
          ['ThingCreated', 0, { a: 1 }],
          ['ThingRenamed', 1, { name: 'x' }],
          ['ThingClosed', 2, [1, 2]],
        ]);
        for (const e of events) {
          expect(e.streamId).toBe(stream);
          expect(e.metadata).toEqual(metadata);
          expect(e.version).toBe(1);
          expect(e.recordedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        }
        const positions = events.map((e) => e.position);
        expect(positions[0]).toBeGreaterThan(0);
        expect([...positions].sort((a, b) => a - b)).toEqual(positions);
        expect(new Set(positions).size).toBe(3);
        expect(result.lastPosition).toBe(positions[2]);
      });

      it('gives events a UUID v7 id unless one is given, and keeps schema versions', async () => {
        const stream = uniquePrefix('ids');
        const given = uuidv7();
        await store.appendToStream(stream, [newEvent('ThingCreated'), { ...newEvent('ThingUpgraded', { v: 2 }, given), version: 3 }], {
          expectedRevision: 'any',
        });
        const [generated, kept] = await store.readStream(stream);
        expect(uuidVersion(generated.id)).toBe(7);
        expect(generated.version).toBe(1);
        expect(kept.id).toBe(given);
        expect(kept.version).toBe(3);
      });

      it('refuses malformed appends before touching the store', async () => {
        await expect(store.appendToStream('', [newEvent()], { expectedRevision: 'any' })).rejects.toBeInstanceOf(InvalidStreamNameError);
        await expect(store.appendToStream('$system', [newEvent()], { expectedRevision: 'any' })).rejects.toBeInstanceOf(
          InvalidStreamNameError,
        );
        const stream = uniquePrefix('invalid');
        await expect(store.appendToStream(stream, [], { expectedRevision: 'any' })).rejects.toBeInstanceOf(InvalidAppendError);
        const id = uuidv7();
        await expect(
          store.appendToStream(stream, [newEvent('A', {}, id), newEvent('B', {}, id)], { expectedRevision: 'any' }),
        ).rejects.toBeInstanceOf(InvalidAppendError);
        await expect(store.appendToStream(stream, [newEvent('A', {}, 'not-a-uuid')], { expectedRevision: 'any' })).rejects.toBeInstanceOf(
          InvalidAppendError,
        );
        await expect(store.appendToStream(stream, [newEvent()], { expectedRevision: -1 })).rejects.toBeInstanceOf(InvalidAppendError);
        expect(await store.readStream(stream)).toEqual([]);
      });
    });

    describe('expectedRevision', () => {
      it('no_stream: writes a new stream, refuses an existing one', async () => {
        const stream = uniquePrefix('no-stream');
        await store.appendToStream(stream, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
        const error = await rejectionOf(store.appendToStream(stream, [newEvent()], { expectedRevision: 'no_stream' }));
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({ stream, expected: 'no_stream', actual: 1 });
      });

      it('stream_exists: refuses a missing stream, writes to an existing one', async () => {
        const stream = uniquePrefix('exists');
        const error = await rejectionOf(store.appendToStream(stream, [newEvent()], { expectedRevision: 'stream_exists' }));
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({ expected: 'stream_exists', actual: 'no_stream' });
        await store.appendToStream(stream, [newEvent()], { expectedRevision: 'no_stream' });
        const result = await store.appendToStream(stream, [newEvent()], { expectedRevision: 'stream_exists' });
        expect(result.nextExpectedRevision).toBe(1);
      });

      it('a revision: writes when the stream is exactly there, refuses when it is not', async () => {
        const stream = uniquePrefix('revision');
        const missing = await rejectionOf(store.appendToStream(stream, [newEvent()], { expectedRevision: 0 }));
        expect(missing).toMatchObject({ expected: 0, actual: 'no_stream' });

        const first = await store.appendToStream(stream, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
        const second = await store.appendToStream(stream, [newEvent()], {
          expectedRevision: first.nextExpectedRevision,
        });
        expect(second.nextExpectedRevision).toBe(2);

        const stale = await rejectionOf(store.appendToStream(stream, [newEvent()], { expectedRevision: 1 }));
        expect(stale).toBeInstanceOf(WrongExpectedRevisionError);
        expect(stale).toMatchObject({ stream, expected: 1, actual: 2 });
        const ahead = await rejectionOf(store.appendToStream(stream, [newEvent()], { expectedRevision: 5 }));
        expect(ahead).toMatchObject({ expected: 5, actual: 2 });
        expect((await store.readStream(stream)).map((e) => e.revision)).toEqual([0, 1, 2]);
      });

      it('any: writes whether or not the stream exists', async () => {
        const stream = uniquePrefix('any');
        await store.appendToStream(stream, [newEvent()], { expectedRevision: 'any' });
        const result = await store.appendToStream(stream, [newEvent()], { expectedRevision: 'any' });
        expect(result.nextExpectedRevision).toBe(1);
      });

      it('50 concurrent appends at the same revision: exactly one wins, revisions stay contiguous', async () => {
        const stream = uniquePrefix('race');
        await store.appendToStream(stream, [newEvent('RaceStarted')], { expectedRevision: 'no_stream' });
        const outcomes = await Promise.allSettled(
          Array.from({ length: 50 }, (_, i) => store.appendToStream(stream, [newEvent('RaceRun', { i })], { expectedRevision: 0 })),
        );
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(49);
        for (const o of lost) expect(o.reason).toBeInstanceOf(WrongExpectedRevisionError);
        expect((await store.readStream(stream)).map((e) => e.revision)).toEqual([0, 1]);
      }, 30_000);

      it('50 concurrent appends with any: all land, one revision each, no gap', async () => {
        const stream = uniquePrefix('pile');
        await Promise.all(
          Array.from({ length: 50 }, (_, i) => store.appendToStream(stream, [newEvent('PileGrown', { i })], { expectedRevision: 'any' })),
        );
        const events = await store.readStream(stream);
        expect(events.map((e) => e.revision)).toEqual(Array.from({ length: 50 }, (_, i) => i));
        expect(new Set(events.map((e) => (e.data as { i: number }).i)).size).toBe(50);
      }, 30_000);
    });

    describe('idempotency by event id', () => {
      it('a retry with the same ids is acknowledged and writes nothing', async () => {
        const stream = uniquePrefix('retry');
        const batch = [newEvent('A', {}, uuidv7()), newEvent('B', {}, uuidv7())];
        const first = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
        const retry = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
        expect(retry).toEqual({ ...first, written: false });
        const retryAny = await store.appendToStream(stream, batch, { expectedRevision: 'any' });
        expect(retryAny).toEqual({ ...first, written: false });
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('a late retry is acknowledged even though the stream has moved on', async () => {
        const stream = uniquePrefix('late-retry');
        const batch = [newEvent('A', {}, uuidv7()), newEvent('B', {}, uuidv7())];
        const first = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
        await store.appendToStream(stream, [newEvent('C')], { expectedRevision: 1 });
        const retry = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
        expect(retry).toEqual({ ...first, written: false });
        expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['A', 'B', 'C']);
      });

      it('a partly overlapping retry is refused and writes nothing', async () => {
        const stream = uniquePrefix('overlap');
        const a = newEvent('A', {}, uuidv7());
        const b = newEvent('B', {}, uuidv7());
        await store.appendToStream(stream, [a, b], { expectedRevision: 'no_stream' });
        await expect(
          store.appendToStream(stream, [a, b, newEvent('C', {}, uuidv7())], { expectedRevision: 'no_stream' }),
        ).rejects.toBeInstanceOf(IdempotencyConflictError);
        await expect(store.appendToStream(stream, [b, a], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(
          IdempotencyConflictError,
        );
        expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['A', 'B']);
      });
    });

    describe('readStream', () => {
      let stream: string;
      beforeAll(async () => {
        stream = uniquePrefix('read');
        await store.appendToStream(
          stream,
          Array.from({ length: 5 }, (_, i) => newEvent('Counted', { i })),
          { expectedRevision: 'no_stream' },
        );
      });
      const revisions = (events: RecordedEvent[]) => events.map((e) => e.revision);

      it('reads forwards from a revision, up to maxCount', async () => {
        expect(revisions(await store.readStream(stream, { fromRevision: 2 }))).toEqual([2, 3, 4]);
        expect(revisions(await store.readStream(stream, { fromRevision: 1, maxCount: 2 }))).toEqual([1, 2]);
        expect(revisions(await store.readStream(stream, { fromRevision: 9 }))).toEqual([]);
      });

      it('reads backwards from the end or from a revision', async () => {
        expect(revisions(await store.readStream(stream, { direction: 'backwards' }))).toEqual([4, 3, 2, 1, 0]);
        expect(revisions(await store.readStream(stream, { direction: 'backwards', maxCount: 2 }))).toEqual([4, 3]);
        expect(revisions(await store.readStream(stream, { direction: 'backwards', fromRevision: 2 }))).toEqual([2, 1, 0]);
      });

      it('returns nothing for a stream that does not exist', async () => {
        expect(await store.readStream(uniquePrefix('missing'))).toEqual([]);
        expect(await store.readStream(uniquePrefix('missing'), { direction: 'backwards' })).toEqual([]);
      });
    });

    describe('readAll', () => {
      it('reads the global log after an exclusive position, in order, page by page', async () => {
        const from = await checkpoint();
        const prefix = uniquePrefix('all');
        await store.appendToStream(`${prefix}.x`, [newEvent('X1')], { expectedRevision: 'no_stream' });
        await store.appendToStream(`${prefix}.y`, [newEvent('Y1'), newEvent('Y2')], { expectedRevision: 'no_stream' });
        await store.appendToStream(`${prefix}.x`, [newEvent('X2')], { expectedRevision: 0 });

        const all = (await store.readAll({ fromPosition: from })).filter((e) => e.streamId.startsWith(prefix));
        expect(all.map((e) => e.type)).toEqual(['X1', 'Y1', 'Y2', 'X2']);
        expect(all[0].position).toBeGreaterThan(from);

        const pages: RecordedEvent[] = [];
        let cursor = from;
        for (;;) {
          const page = await store.readAll({ fromPosition: cursor, maxCount: 2 });
          if (page.length === 0) break;
          expect(page.length).toBeLessThanOrEqual(2);
          pages.push(...page);
          cursor = page[page.length - 1].position;
        }
        const everything = await store.readAll({ fromPosition: from });
        expect(pages.map((e) => e.id)).toEqual(everything.map((e) => e.id));
        const positions = everything.map((e) => e.position);
        expect(positions.every((p, i) => i === 0 || p > positions[i - 1])).toBe(true);
      });
    });

    describe('subscribeToAll', () => {
      it('from 0: delivers the history, then live events, in order and once', async () => {
        const prefix = uniquePrefix('sub-zero');
        await store.appendToStream(`${prefix}.a`, [newEvent('One'), newEvent('Two')], {
          expectedRevision: 'no_stream',
        });
        await store.appendToStream(`${prefix}.b`, [newEvent('Three')], { expectedRevision: 'no_stream' });

        const subscription = store.subscribeToAll({ fromPosition: 0, filter: { streamPrefixes: [prefix] } });
        const collector = collect(subscription);
        try {
          await collector.waitFor(3);
          await store.appendToStream(`${prefix}.a`, [newEvent('Four')], { expectedRevision: 1 });
          await store.appendToStream(`${prefix}.c`, [newEvent('Five'), newEvent('Six')], { expectedRevision: 'any' });
          const events = await collector.waitFor(6);
          expect(events.map((e) => e.type)).toEqual(['One', 'Two', 'Three', 'Four', 'Five', 'Six']);
          await sleep(200);
          expect(collector.received).toHaveLength(6);
          const positions = events.map((e) => e.position);
          expect(positions.every((p, i) => i === 0 || p > positions[i - 1])).toBe(true);
        } finally {
          await subscription.stop();
        }
      });

      it('from a checkpoint: resumes strictly after it', async () => {
        const prefix = uniquePrefix('sub-resume');
        await store.appendToStream(`${prefix}.a`, [newEvent('One'), newEvent('Two'), newEvent('Three')], {
          expectedRevision: 'no_stream',
        });
        const [, two] = await store.readStream(`${prefix}.a`);

        const subscription = store.subscribeToAll({ fromPosition: two.position, filter: { streamPrefixes: [prefix] } });
        const collector = collect(subscription);
        try {
          await collector.waitFor(1);
          await store.appendToStream(`${prefix}.a`, [newEvent('Four')], { expectedRevision: 2 });
          expect((await collector.waitFor(2)).map((e) => e.type)).toEqual(['Three', 'Four']);
        } finally {
          await subscription.stop();
        }
      });

      it('filters by stream prefix, by event type, and by both', async () => {
        const prefix = uniquePrefix('sub-filter');
        const typeA = `Kept${prefix.slice(-6)}`;
        const typeB = `Dropped${prefix.slice(-6)}`;
        const from = await checkpoint();
        await store.appendToStream(`${prefix}.orders-1`, [newEvent(typeA), newEvent(typeB)], {
          expectedRevision: 'no_stream',
        });
        await store.appendToStream(`${prefix}.users-1`, [newEvent(typeA), newEvent(typeB)], {
          expectedRevision: 'no_stream',
        });
        const last = await store.appendToStream(`${prefix}.orders-2`, [newEvent(typeA)], {
          expectedRevision: 'no_stream',
        });

        const cases = [
          { filter: { streamPrefixes: [`${prefix}.orders-`] }, expected: ['orders-1', 'orders-1', 'orders-2'] },
          { filter: { eventTypes: [typeA] }, expected: ['orders-1', 'users-1', 'orders-2'] },
          { filter: { streamPrefixes: [`${prefix}.users-`], eventTypes: [typeA] }, expected: ['users-1'] },
          {
            filter: { streamPrefixes: [`${prefix}.users-`, `${prefix}.orders-2`], eventTypes: [typeA, typeB] },
            expected: ['users-1', 'users-1', 'orders-2'],
          },
        ];
        for (const { filter, expected } of cases) {
          const subscription = store.subscribeToAll({ fromPosition: from, filter });
          const collector = collect(subscription);
          try {
            const events = await collector.waitFor(expected.length);
            expect(events.map((e) => e.streamId.slice(prefix.length + 1))).toEqual(expected);
            expect(events[events.length - 1].position).toBeLessThanOrEqual(last.lastPosition);
            await sleep(100);
            expect(collector.received).toHaveLength(expected.length);
          } finally {
            await subscription.stop();
          }
        }
      });

      it('stop() ends the iteration; nothing is delivered afterwards', async () => {
        const prefix = uniquePrefix('sub-stop');
        const subscription = store.subscribeToAll({
          fromPosition: await checkpoint(),
          filter: { streamPrefixes: [prefix] },
        });
        const collector = collect(subscription);
        await store.appendToStream(`${prefix}.a`, [newEvent('Before')], { expectedRevision: 'no_stream' });
        await collector.waitFor(1);

        await subscription.stop();
        await collector.ended;
        await store.appendToStream(`${prefix}.a`, [newEvent('After')], { expectedRevision: 0 });
        await sleep(200);
        expect(collector.received.map((e) => e.type)).toEqual(['Before']);
      });

      it('stop() before iterating: the iteration is empty', async () => {
        const subscription = store.subscribeToAll({ fromPosition: 0 });
        await subscription.stop();
        const collector = collect(subscription);
        await collector.ended;
        expect(collector.received).toEqual([]);
      });

      it('breaking out of for-await ends the subscription too', async () => {
        const prefix = uniquePrefix('sub-break');
        await store.appendToStream(`${prefix}.a`, [newEvent('One'), newEvent('Two')], {
          expectedRevision: 'no_stream',
        });
        const subscription = store.subscribeToAll({ filter: { streamPrefixes: [prefix] } });
        const seen: string[] = [];
        for await (const event of subscription) {
          seen.push(event.type);
          break;
        }
        expect(seen).toEqual(['One']);
        await subscription.stop();
      });
    });
  });
}
