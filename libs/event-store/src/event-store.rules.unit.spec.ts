import type { EventMetadata } from '@llmlab/contracts';
import { v7 as uuidv7, version as uuidVersion } from 'uuid';
import { IdempotencyConflictError, InvalidAppendError, InvalidStreamNameError, WrongExpectedRevisionError } from './errors';
import { assertStreamName, checkExpectedRevision, checkReplay, prepareAppend } from './event-store.rules';

const metadata: EventMetadata = { actor: { type: 'user', id: 'u1' }, correlationId: 'c1' };

describe('assertStreamName', () => {
  it.each(['auth.project-0192', 'ingestion.usage-batch-1', 'a'])('accepts %s', (name) => {
    expect(() => assertStreamName(name)).not.toThrow();
  });

  it.each(['', '$all', 'with space', 'tab\there', 'x'.repeat(257)])('refuses %j', (name) => {
    expect(() => assertStreamName(name)).toThrow(InvalidStreamNameError);
  });
});

describe('prepareAppend', () => {
  it('fills in a UUID v7 id and version 1, lower-cases given ids', () => {
    const given = uuidv7().toUpperCase();
    const [generated, kept] = prepareAppend(
      's-1',
      [
        { type: 'A', data: {}, metadata },
        { id: given, type: 'B', version: 2, data: null, metadata },
      ],
      'any',
    );
    expect(uuidVersion(generated.id)).toBe(7);
    expect(generated.version).toBe(1);
    expect(kept).toEqual({ id: given.toLowerCase(), type: 'B', version: 2, data: null, metadata });
  });

  it.each([
    ['no events', []],
    ['a malformed id', [{ id: 'nope', type: 'A', data: {}, metadata }]],
    ['an empty type', [{ type: '', data: {}, metadata }]],
    ['a system type', [{ type: '$metadata', data: {}, metadata }]],
    ['version 0', [{ type: 'A', version: 0, data: {}, metadata }]],
    ['a fractional version', [{ type: 'A', version: 1.5, data: {}, metadata }]],
    ['missing data', [{ type: 'A', data: undefined, metadata }]],
  ])('refuses %s', (_, events) => {
    expect(() => prepareAppend('s-1', events, 'any')).toThrow(InvalidAppendError);
  });

  it('refuses an id twice in one batch, whatever its case', () => {
    const id = uuidv7();
    const events = [
      { id, type: 'A', data: {}, metadata },
      { id: id.toUpperCase(), type: 'B', data: {}, metadata },
    ];
    expect(() => prepareAppend('s-1', events, 'any')).toThrow(/appears twice/);
  });

  it.each([-1, 1.5, Number.NaN, 'latest'])('refuses expectedRevision %p', (expected) => {
    expect(() => prepareAppend('s-1', [{ type: 'A', data: {}, metadata }], expected as never)).toThrow(InvalidAppendError);
  });
});

describe('checkExpectedRevision', () => {
  const cases: [Parameters<typeof checkExpectedRevision>[1], number | undefined, boolean][] = [
    ['any', undefined, true],
    ['any', 4, true],
    ['no_stream', undefined, true],
    ['no_stream', 0, false],
    ['stream_exists', undefined, false],
    ['stream_exists', 0, true],
    [3, 3, true],
    [3, 2, false],
    [3, 4, false],
    [0, undefined, false],
  ];
  it.each(cases)('expected %p, stream at %p: %p', (expected, current, ok) => {
    const check = () => checkExpectedRevision('s-1', expected, current);
    if (ok) expect(check).not.toThrow();
    else expect(check).toThrow(WrongExpectedRevisionError);
  });

  it('says where the stream actually is', () => {
    expect(() => checkExpectedRevision('s-1', 'stream_exists', undefined)).toThrow(
      expect.objectContaining({ stream: 's-1', expected: 'stream_exists', actual: 'no_stream' }),
    );
  });
});

describe('checkReplay', () => {
  const [a, b, c] = [uuidv7(), uuidv7(), uuidv7()];
  const at = (id: string, revision: number, streamId = 's-1') => ({ id, streamId, revision, position: 100 + revision });

  it('nothing recorded: a new append', () => {
    expect(checkReplay('s-1', [a, b], [])).toEqual({ kind: 'new' });
  });

  it('every id recorded in order at consecutive revisions: a replay of the last one', () => {
    expect(checkReplay('s-1', [a, b], [at(b, 4), at(a, 3)])).toEqual({
      kind: 'replay',
      lastRevision: 4,
      lastPosition: 104,
    });
  });

  it.each([
    ['some ids are new', [a, b, c], [at(a, 0), at(b, 1)], /2 of 3 event ids/],
    ['the order differs', [b, a], [at(a, 0), at(b, 1)], /not in the order/],
    ['the revisions are not consecutive', [a, b], [at(a, 0), at(b, 2)], /not in the order/],
    ['an id sits in another stream', [a], [at(a, 0, 's-2')], /in stream s-2/],
  ])('refuses a retry where %s', (_, ids, recorded, message) => {
    expect(() => checkReplay('s-1', ids, recorded)).toThrow(IdempotencyConflictError);
    expect(() => checkReplay('s-1', ids, recorded)).toThrow(message);
  });
});
