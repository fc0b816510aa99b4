/** Pure translations between our envelope and EventStoreDB's, tested without a server. */
import {
  ANY,
  type AppendExpectedRevision,
  type EventData,
  type Filter,
  type JSONType,
  NO_STREAM,
  type Position,
  type RecordedEvent as EsdbRecordedEvent,
  STREAM_EXISTS,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
} from '@eventstore/db-client';
import type { EventMetadata, RecordedEvent } from '@llmlab/contracts';
import type { ExpectedRevision, SubscriptionFilter } from '../event-store';
import type { PreparedEvent } from '../event-store.rules';

/**
 * What EventStoreDB stores as an event's metadata: ours, plus the schema version (it has no field for it) and the
 * `$correlationId`/`$causationId` its system projections understand.
 */
interface StoredMetadata extends EventMetadata {
  schemaVersion: number;
  $correlationId: string;
  $causationId?: string;
}

/** EventStoreDB answers 2^64 - 1 for a commit position it does not know (stream reads before server 22.6). */
const UNKNOWN_POSITION = 2n ** 64n - 1n;

export function toEsdbExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return BigInt(expected);
  }
}

export function toEsdbEvent(event: PreparedEvent): EventData {
  const metadata: StoredMetadata = {
    ...event.metadata,
    schemaVersion: event.version,
    $correlationId: event.metadata.correlationId,
    ...(event.metadata.causationId === undefined ? {} : { $causationId: event.metadata.causationId }),
  };
  // The client serializes `data` with JSON.stringify, so any JSON value goes through, not only its JSONType.
  return jsonEvent({ id: event.id, type: event.type, data: event.data as JSONType, metadata });
}

/** The global position of an event: its commit position in the transaction log. */
export function commitPosition(position: Position | undefined): number {
  if (position === undefined || position.commit === UNKNOWN_POSITION) {
    throw new Error('EventStoreDB returned an event without its log position: server 22.10 or later is required');
  }
  return Number(position.commit);
}

/** The position to start a read or subscription from so that it resumes after `position` (ours are commits). */
export function toEsdbPosition(position: number): Position {
  return { commit: BigInt(position), prepare: BigInt(position) };
}

export function fromEsdbEvent(event: EsdbRecordedEvent): RecordedEvent {
  const stored = (event.metadata ?? {}) as Partial<StoredMetadata>;
  const { schemaVersion, $correlationId, $causationId, ...metadata } = stored;
  return {
    id: event.id,
    type: event.type,
    version: typeof schemaVersion === 'number' ? schemaVersion : 1,
    data: event.data,
    metadata: metadata as EventMetadata,
    streamId: event.streamId,
    revision: Number(event.revision),
    position: commitPosition(event.position),
    recordedAt: event.created.toISOString(),
  };
}

/** Events EventStoreDB writes for itself (`$`-prefixed streams and types) are not part of our log. */
export function isSystemEvent(event: { streamId: string; type: string }): boolean {
  return event.streamId.startsWith('$') || event.type.startsWith('$');
}

export function matchesFilter(event: { streamId: string; type: string }, filter: SubscriptionFilter = {}): boolean {
  const prefixes = filter.streamPrefixes ?? [];
  const types = filter.eventTypes ?? [];
  return (
    (prefixes.length === 0 || prefixes.some((p) => event.streamId.startsWith(p))) && (types.length === 0 || types.includes(event.type))
  );
}

/**
 * The filter the server applies. It filters on one field only, so with both lists the stream prefixes go to the
 * server and the types are checked here ({@link matchesFilter}); types are matched whole, not as prefixes.
 */
export function toEsdbFilter(filter: SubscriptionFilter = {}): Filter {
  if (filter.streamPrefixes?.length) return streamNameFilter({ prefixes: filter.streamPrefixes });
  if (filter.eventTypes?.length) {
    return eventTypeFilter({ regex: `^(?:${filter.eventTypes.map(escapeRegex).join('|')})$` });
  }
  return excludeSystemEvents();
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
