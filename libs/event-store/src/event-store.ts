import type { NewEvent, RecordedEvent } from '@llmlab/contracts';

/**
 * The one event-store interface of the platform, shaped like EventStoreDB's and Emmett's.
 * Both adapters (PostgreSQL, EventStoreDB) pass the same contract suite.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface AppendOptions {
  expectedRevision: ExpectedRevision;
}

export interface AppendResult {
  /** Revision of the last event of the stream after the append (what to pass next time). */
  nextExpectedRevision: number;
  /** Global position of the last event written (or already present, for an idempotent retry). */
  lastPosition: number;
  /** False when every event id was already in the stream: nothing was written. */
  written: boolean;
}

export type ReadDirection = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  /** Inclusive. Defaults to 0 forwards, to the last revision backwards. */
  fromRevision?: number;
  direction?: ReadDirection;
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events with a position strictly greater are returned. 0 (default) reads from the start. */
  fromPosition?: number;
  maxCount?: number;
}

/** Both lists narrow the subscription; an absent or empty list does not filter. */
export interface SubscriptionFilter {
  /** Keep only events whose stream id starts with one of these prefixes. */
  streamPrefixes?: string[];
  /** Keep only events of these types. */
  eventTypes?: string[];
}

export interface SubscribeToAllOptions {
  /** Exclusive checkpoint kept by the subscriber: delivery starts after it. */
  fromPosition?: number;
  filter?: SubscriptionFilter;
}

/**
 * A catch-up subscription: first everything after the checkpoint, then live events, in global order,
 * never skipping one. Iterate it with `for await`; `stop()` ends the iteration.
 */
export interface EventSubscription extends AsyncIterable<RecordedEvent> {
  stop(): Promise<void>;
}

export interface EventStore {
  appendToStream(stream: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult>;
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(options?: SubscribeToAllOptions): EventSubscription;
  close(): Promise<void>;
}
