import { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import type { EventMetadata } from '@llmlab/contracts';
import type { Decider } from '@llmlab/domain';
import { createEventStore, type EventStore } from '@llmlab/event-store';
import { createTestDatabase, type TestDatabase } from '@llmlab/testing';
import { CommandRunner } from './command-runner';

type CounterEvent = { id?: string; type: 'Counted'; data: { by: number } };
interface Count {
  by: number;
  /** The event id the caller derived, if any. */
  eventId?: string;
}

/** A stream that counts: each command adds to the total, under the id it names. */
const counter: Decider<Count, CounterEvent, { total: number }> = {
  decide: (command) => [{ ...(command.eventId ? { id: command.eventId } : {}), type: 'Counted', data: { by: command.by } }],
  evolve: (state, event) => ({ total: state.total + event.data.by }),
  initialState: () => ({ total: 0 }),
};

const metadata: EventMetadata = { actor: { type: 'system', id: 'test' }, correlationId: 'command-runner' };

// The write path every handler uses, on real PostgreSQL: fold, decide, append at the revision read.
describe('command runner', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: EventStore;
  let runner: CommandRunner;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new Pool({ connectionString: db.url });
    store = createEventStore({ pool });
    runner = new CommandRunner(store);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('appends at the revision it read and returns the folded state', async () => {
    const stream = `test.counter-${uuidv7()}`;
    await runner.run(stream, counter, { by: 2 }, { metadata });
    const result = await runner.run(stream, counter, { by: 3 }, { metadata });
    expect(result).toMatchObject({ state: { total: 5 }, revision: 1 });
    expect((await store.readStream(stream)).map((e) => e.metadata)).toEqual([metadata, metadata]);
  });

  it('appends an event under the id its decider derived, so a command decided again appends nothing', async () => {
    const stream = `test.counter-${uuidv7()}`;
    const eventId = uuidv7();
    await runner.run(stream, counter, { by: 1, eventId }, { metadata });
    await runner.run(stream, counter, { by: 1, eventId }, { metadata });
    const events = await store.readStream(stream);
    expect(events.map((e) => e.id)).toEqual([eventId]);
  });

  it('decides on the state the caller holds without reading the stream, and reloads when another writer appended', async () => {
    const stream = `test.counter-${uuidv7()}`;
    let reads = 0;
    const counting = new CommandRunner(
      new Proxy(store, {
        get: (target, key, receiver) =>
          key === 'readStream'
            ? (...args: Parameters<EventStore['readStream']>) => (reads++, target.readStream(...args))
            : Reflect.get(target, key, receiver),
      }),
    );
    let current = await counting.run(stream, counter, { by: 1 }, { metadata });
    reads = 0;
    for (const by of [2, 3]) current = await counting.run(stream, counter, { by }, { metadata }, current);
    expect(reads).toBe(0);
    expect(current).toMatchObject({ state: { total: 6 }, revision: 2 });

    await runner.run(stream, counter, { by: 10 }, { metadata }); // another writer: `current` is stale now
    const after = await counting.run(stream, counter, { by: 100 }, { metadata }, current);
    expect(after).toMatchObject({ state: { total: 116 }, revision: 4 });
    expect(reads).toBe(1);
    expect((await store.readStream(stream)).map((e) => e.data)).toEqual([{ by: 1 }, { by: 2 }, { by: 3 }, { by: 10 }, { by: 100 }]);
  });
});
