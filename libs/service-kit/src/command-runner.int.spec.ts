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
});
