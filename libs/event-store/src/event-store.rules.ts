/** Rules every adapter applies the same way, kept pure so they are tested without a database. */
import type { EventMetadata, NewEvent } from '@llmlab/contracts';
import { validate as isUuid, v7 as uuidv7 } from 'uuid';
import { IdempotencyConflictError, InvalidAppendError, InvalidStreamNameError, WrongExpectedRevisionError } from './errors';
import type { ExpectedRevision } from './event-store';

const MAX_STREAM_NAME_LENGTH = 256;

export function assertStreamName(stream: string): void {
  if (typeof stream !== 'string' || stream.length === 0) throw new InvalidStreamNameError(stream, 'must not be empty');
  if (stream.length > MAX_STREAM_NAME_LENGTH) {
    throw new InvalidStreamNameError(stream, `longer than ${MAX_STREAM_NAME_LENGTH} characters`);
  }
  if (stream.startsWith('$')) throw new InvalidStreamNameError(stream, '"$" starts system streams');
  if (/[\s\p{Cc}]/u.test(stream)) throw new InvalidStreamNameError(stream, 'must not contain whitespace');
}

/** An event ready to be written: id (lower-case UUID) and version filled in. */
export interface PreparedEvent {
  id: string;
  type: string;
  version: number;
  data: unknown;
  metadata: EventMetadata;
}

export function prepareAppend(stream: string, events: NewEvent[], expectedRevision: ExpectedRevision): PreparedEvent[] {
  assertStreamName(stream);
  assertExpectedRevision(stream, expectedRevision);
  if (!Array.isArray(events) || events.length === 0) throw new InvalidAppendError(stream, 'no events to append');
  const seen = new Set<string>();
  return events.map((event, index) => {
    const where = `event ${index}`;
    const id = event.id === undefined ? uuidv7() : event.id.toLowerCase();
    if (!isUuid(id)) throw new InvalidAppendError(stream, `${where}: id ${JSON.stringify(event.id)} is not a UUID`);
    if (seen.has(id)) throw new InvalidAppendError(stream, `${where}: id ${id} appears twice in one append`);
    seen.add(id);
    if (typeof event.type !== 'string' || event.type.length === 0 || event.type.startsWith('$')) {
      throw new InvalidAppendError(stream, `${where}: type must be a non-empty name not starting with "$"`);
    }
    const version = event.version ?? 1;
    if (!Number.isSafeInteger(version) || version < 1) {
      throw new InvalidAppendError(stream, `${where}: version must be an integer >= 1`);
    }
    if (event.data === undefined) throw new InvalidAppendError(stream, `${where}: data is missing`);
    if (event.metadata === null || typeof event.metadata !== 'object') {
      throw new InvalidAppendError(stream, `${where}: metadata is missing`);
    }
    return { id, type: event.type, version, data: event.data, metadata: event.metadata };
  });
}

/** Read options are counts and revisions: integers from 0. */
export function assertNonNegativeInteger(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
    throw new RangeError(`${name} must be an integer >= 0, got ${String(value)}`);
  }
}

function assertExpectedRevision(stream: string, expected: ExpectedRevision): void {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return;
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return;
  throw new InvalidAppendError(
    stream,
    `expectedRevision must be 'any', 'no_stream', 'stream_exists' or an integer >= 0, got ${String(expected)}`,
  );
}

/** Throws unless the stream, whose last revision is `current` (undefined: no stream), is where the caller expects. */
export function checkExpectedRevision(stream: string, expected: ExpectedRevision, current: number | undefined): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === undefined) ||
    (expected === 'stream_exists' && current !== undefined) ||
    (typeof expected === 'number' && current === expected);
  if (!ok) throw new WrongExpectedRevisionError(stream, expected, current ?? 'no_stream');
}

/** Where an event id of the batch is already recorded. */
export interface RecordedPlacement {
  id: string;
  streamId: string;
  revision: number;
  position: number;
}

export type ReplayCheck = { kind: 'new' } | { kind: 'replay'; lastRevision: number; lastPosition: number };

/**
 * Decides whether a batch is new or an exact replay of what is recorded: the same ids, in the same stream, in the
 * same order, at consecutive revisions. Anything in between is refused: applying part of it would record an
 * intent nobody had, skipping part of it would lose one.
 */
export function checkReplay(stream: string, ids: string[], recorded: RecordedPlacement[]): ReplayCheck {
  if (recorded.length === 0) return { kind: 'new' };
  const byId = new Map(recorded.map((r) => [r.id.toLowerCase(), r]));
  const placements = ids.map((id) => byId.get(id));
  const missing = placements.filter((p) => p === undefined).length;
  if (missing > 0) {
    throw new IdempotencyConflictError(
      stream,
      `${ids.length - missing} of ${ids.length} event ids are already recorded: ` + 'a retry must resend exactly the same events',
    );
  }
  const found = placements as RecordedPlacement[];
  found.forEach((p, index) => {
    if (p.streamId !== stream) {
      throw new IdempotencyConflictError(stream, `event id ${p.id} is already recorded in stream ${p.streamId}`);
    }
    if (p.revision !== found[0].revision + index) {
      throw new IdempotencyConflictError(
        stream,
        `event id ${p.id} is already recorded at revision ${p.revision}, not in the order of this retry`,
      );
    }
  });
  const last = found[found.length - 1];
  return { kind: 'replay', lastRevision: last.revision, lastPosition: last.position };
}
