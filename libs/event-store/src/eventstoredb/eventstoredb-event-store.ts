import {
  type AllStreamSubscription,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import type { NewEvent, RecordedEvent } from '@llmlab/contracts';
import { WrongExpectedRevisionError } from '../errors';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventSubscription,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  SubscribeToAllOptions,
  SubscriptionFilter,
} from '../event-store';
import { assertNonNegativeInteger, assertStreamName, checkReplay, prepareAppend, type RecordedPlacement } from '../event-store.rules';
import {
  commitPosition,
  fromEsdbEvent,
  isSystemEvent,
  matchesFilter,
  toEsdbEvent,
  toEsdbExpectedRevision,
  toEsdbFilter,
  toEsdbPosition,
} from './eventstoredb-mapping';

/**
 * The event store on EventStoreDB / KurrentDB, for large installs. The server keeps order, revisions and its own
 * event-id deduplication; this adapter maps the interface onto it. There is no hash chain here (`hash` is absent):
 * the server's log is append-only by construction.
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly subscriptions = new Set<EventStoreDbSubscription>();

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly ownsClient = false,
  ) {}

  static connect(connectionString: string): EventStoreDbEventStore {
    return new EventStoreDbEventStore(EventStoreDBClient.connectionString(connectionString), true);
  }

  async appendToStream(stream: string, events: NewEvent[], { expectedRevision }: AppendOptions): Promise<AppendResult> {
    const prepared = prepareAppend(stream, events, expectedRevision);
    // Only ids the caller chose can be retried; fresh UUID v7 ids cannot already be recorded.
    if (events.some((e) => e.id !== undefined)) {
      const ids = prepared.map((e) => e.id);
      const replay = checkReplay(stream, ids, await this.placementsOf(stream, ids, expectedRevision));
      if (replay.kind === 'replay') {
        return { nextExpectedRevision: replay.lastRevision, lastPosition: replay.lastPosition, written: false };
      }
    }
    try {
      const result = await this.client.appendToStream(stream, prepared.map(toEsdbEvent), {
        expectedRevision: toEsdbExpectedRevision(expectedRevision),
      });
      return {
        nextExpectedRevision: Number(result.nextExpectedRevision),
        lastPosition: commitPosition(result.position),
        written: true,
      };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const actual = error.actualVersion === NO_STREAM ? 'no_stream' : Number(error.actualVersion);
        throw new WrongExpectedRevisionError(stream, expectedRevision, actual);
      }
      throw error;
    }
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    assertStreamName(stream);
    assertNonNegativeInteger('fromRevision', options.fromRevision);
    assertNonNegativeInteger('maxCount', options.maxCount);
    if (options.maxCount === 0) return [];
    const backwards = options.direction === 'backwards';
    const read = this.client.readStream(stream, {
      direction: backwards ? BACKWARDS : FORWARDS,
      fromRevision: options.fromRevision === undefined ? (backwards ? END : START) : BigInt(options.fromRevision),
      maxCount: options.maxCount ?? Number.MAX_SAFE_INTEGER,
    });
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of read) {
        if (resolved.event) events.push(fromEsdbEvent(resolved.event));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    assertNonNegativeInteger('fromPosition', options.fromPosition);
    assertNonNegativeInteger('maxCount', options.maxCount);
    const from = options.fromPosition ?? 0;
    const maxCount = options.maxCount ?? Number.POSITIVE_INFINITY;
    if (maxCount === 0) return [];
    // $all has no server-side filter on reads: system events are skipped here, so the read streams until it has
    // collected maxCount of ours and is then cancelled.
    const read = this.client.readAll({ direction: FORWARDS, fromPosition: from > 0 ? toEsdbPosition(from) : START });
    const events: RecordedEvent[] = [];
    for await (const resolved of read) {
      const event = resolved.event;
      if (!event || isSystemEvent(event) || commitPosition(event.position) <= from) continue;
      events.push(fromEsdbEvent(event));
      if (events.length >= maxCount) {
        await read.cancel();
        break;
      }
    }
    return events;
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): EventSubscription {
    assertNonNegativeInteger('fromPosition', options.fromPosition);
    const from = options.fromPosition ?? 0;
    const source = this.client.subscribeToAll({
      fromPosition: from > 0 ? toEsdbPosition(from) : START,
      filter: toEsdbFilter(options.filter),
    });
    const subscription = new EventStoreDbSubscription(source, from, options.filter, (s) => this.subscriptions.delete(s));
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    if (this.ownsClient) await this.client.dispose();
  }

  /**
   * Where the batch's ids already sit, looked up where a retry of it would have landed: right after the expected
   * revision, or for `any`/`stream_exists` at the end of the stream. EventStoreDB has no index by event id, so ids
   * recorded elsewhere (another stream, further back) are not seen here; the server's own deduplication then
   * applies.
   */
  private async placementsOf(stream: string, ids: string[], expected: ExpectedRevision): Promise<RecordedPlacement[]> {
    const window =
      typeof expected === 'number'
        ? await this.readStream(stream, { fromRevision: expected + 1, maxCount: ids.length })
        : expected === 'no_stream'
          ? await this.readStream(stream, { fromRevision: 0, maxCount: ids.length })
          : (await this.readStream(stream, { direction: 'backwards', maxCount: ids.length })).reverse();
    const wanted = new Set(ids);
    return window
      .filter((e) => wanted.has(e.id.toLowerCase()))
      .map((e) => ({ id: e.id, streamId: e.streamId, revision: e.revision, position: e.position }));
  }
}

class EventStoreDbSubscription implements EventSubscription {
  private stopped = false;
  private readonly iterator: AsyncGenerator<RecordedEvent, void>;

  constructor(
    private readonly source: AllStreamSubscription,
    private readonly fromPosition: number,
    private readonly filter: SubscriptionFilter | undefined,
    private readonly onEnd: (subscription: EventStoreDbSubscription) => void,
  ) {
    this.iterator = this.run();
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return this.iterator;
  }

  async stop(): Promise<void> {
    await this.release();
    await this.iterator.return(undefined);
    this.onEnd(this);
  }

  private async *run(): AsyncGenerator<RecordedEvent, void> {
    try {
      for await (const resolved of this.source) {
        const event = resolved.event;
        if (this.stopped) return;
        if (!event || isSystemEvent(event) || !matchesFilter(event, this.filter)) continue;
        // The server resumes after the checkpoint already; this guards the boundary should it include it.
        if (commitPosition(event.position) <= this.fromPosition) continue;
        yield fromEsdbEvent(event);
      }
    } catch (error) {
      // Destroying the readable on stop() ends the iteration with a premature-close error: that is the stop.
      if (!this.stopped) throw error;
    } finally {
      // Also reached when the consumer breaks out of its loop, which ends the readable but not the gRPC call.
      await this.release();
      this.onEnd(this);
    }
  }

  private async release(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // A call that never started has already reported its error to the iteration; releasing must still go on.
    await this.source.unsubscribe().catch(() => undefined);
    // Cancelling the gRPC call does not end the readable it feeds, so the iteration is ended here.
    this.source.destroy();
  }
}
