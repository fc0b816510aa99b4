import { Pool } from 'pg';
import type { EventStore } from './event-store';
import { EventStoreDbEventStore } from './eventstoredb/eventstoredb-event-store';
import { PostgresEventStore } from './postgres/postgres-event-store';

export interface CreateEventStoreOptions {
  /** PostgreSQL to connect to when no pool is given; the store then owns (and closes) its pool. */
  databaseUrl?: string;
  /** A pool shared with the caller, who keeps closing it. */
  pool?: Pool;
  /** When set, events go to EventStoreDB / KurrentDB instead of PostgreSQL. */
  eventStoreConnectionString?: string;
}

/**
 * EventStoreDB when a connection string is given, PostgreSQL otherwise. Callers that need the PostgreSQL-only
 * `verify()` narrow with `instanceof PostgresEventStore`.
 */
export function createEventStore(options: CreateEventStoreOptions): EventStore {
  if (options.eventStoreConnectionString) return EventStoreDbEventStore.connect(options.eventStoreConnectionString);
  if (options.pool) return new PostgresEventStore(options.pool);
  if (options.databaseUrl) {
    const pool = new Pool({ connectionString: options.databaseUrl });
    // An idle connection that dies is dropped by the pool and replaced on next use; unhandled, the event would
    // crash the process.
    pool.on('error', () => undefined);
    return new PostgresEventStore(pool, { ownsPool: true });
  }
  throw new Error('createEventStore needs eventStoreConnectionString, pool or databaseUrl');
}
