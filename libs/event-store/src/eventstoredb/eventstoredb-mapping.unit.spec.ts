import { ANY, type JSONRecordedEvent, NO_STREAM, STREAM_EXISTS } from '@eventstore/db-client';
import type { EventMetadata } from '@llmlab/contracts';
import {
  commitPosition,
  fromEsdbEvent,
  isSystemEvent,
  matchesFilter,
  toEsdbEvent,
  toEsdbExpectedRevision,
  toEsdbFilter,
} from './eventstoredb-mapping';

const metadata: EventMetadata = {
  actor: { type: 'api_key', id: 'key-1' },
  organizationId: 'org-1',
  correlationId: 'corr-1',
  causationId: 'cause-1',
};

describe('toEsdbExpectedRevision', () => {
  it.each([
    ['any', ANY],
    ['no_stream', NO_STREAM],
    ['stream_exists', STREAM_EXISTS],
    [0, 0n],
    [41, 41n],
  ] as const)('%p -> %p', (ours, theirs) => {
    expect(toEsdbExpectedRevision(ours)).toBe(theirs);
  });
});

describe('event envelope', () => {
  const id = '0192e4a0-0000-7000-8000-000000000001';

  it('carries the schema version and correlation in the metadata, and reads them back out', () => {
    const written = toEsdbEvent({ id, type: 'KeyCreated', version: 3, data: { keyId: 'k' }, metadata });
    expect(written).toMatchObject({ id, type: 'KeyCreated', contentType: 'application/json', data: { keyId: 'k' } });
    expect(written.metadata).toEqual({
      ...metadata,
      schemaVersion: 3,
      $correlationId: 'corr-1',
      $causationId: 'cause-1',
    });

    const recorded: JSONRecordedEvent = {
      streamId: 'auth.api-key-1',
      id,
      isJson: true,
      revision: 7n,
      type: 'KeyCreated',
      created: new Date(Date.UTC(2025, 5, 1, 12, 0, 0, 250)),
      data: { keyId: 'k' },
      metadata: written.metadata as JSONRecordedEvent['metadata'],
      position: { commit: 4096n, prepare: 4096n },
    };
    expect(fromEsdbEvent(recorded)).toEqual({
      id,
      type: 'KeyCreated',
      version: 3,
      data: { keyId: 'k' },
      metadata,
      streamId: 'auth.api-key-1',
      revision: 7,
      position: 4096,
      recordedAt: '2025-06-01T12:00:00.250Z',
    });
  });

  it('leaves out $causationId when there is no causation', () => {
    const { causationId: _, ...withoutCause } = metadata;
    const written = toEsdbEvent({ id, type: 'KeyCreated', version: 1, data: {}, metadata: withoutCause });
    expect(written.metadata).not.toHaveProperty('$causationId');
  });
});

describe('commitPosition', () => {
  it('refuses a position the server did not know', () => {
    expect(commitPosition({ commit: 12n, prepare: 12n })).toBe(12);
    expect(() => commitPosition(undefined)).toThrow(/22\.10/);
    expect(() => commitPosition({ commit: 2n ** 64n - 1n, prepare: 2n ** 64n - 1n })).toThrow(/22\.10/);
  });
});

describe('filters', () => {
  it('skips system events', () => {
    expect(isSystemEvent({ streamId: '$stats-1', type: 'x' })).toBe(true);
    expect(isSystemEvent({ streamId: 'auth.user-1', type: '$metadata' })).toBe(true);
    expect(isSystemEvent({ streamId: 'auth.user-1', type: 'UserJoined' })).toBe(false);
  });

  it('matches prefixes and whole type names, both when both are given', () => {
    const event = { streamId: 'auth.user-1', type: 'UserJoined' };
    expect(matchesFilter(event)).toBe(true);
    expect(matchesFilter(event, { streamPrefixes: [] })).toBe(true);
    expect(matchesFilter(event, { streamPrefixes: ['alerts.', 'auth.'] })).toBe(true);
    expect(matchesFilter(event, { eventTypes: ['UserJoin'] })).toBe(false);
    expect(matchesFilter(event, { streamPrefixes: ['auth.'], eventTypes: ['UserLeft'] })).toBe(false);
  });

  it('asks the server for prefixes first, then exact types, else for everything but system events', () => {
    expect(toEsdbFilter({ streamPrefixes: ['auth.'], eventTypes: ['A'] })).toMatchObject({
      filterOn: 'streamName',
      prefixes: ['auth.'],
    });
    expect(toEsdbFilter({ eventTypes: ['Key.Created', 'B'] })).toMatchObject({
      filterOn: 'eventType',
      regex: '^(?:Key\\.Created|B)$',
    });
    const everything = toEsdbFilter({});
    expect(everything.filterOn).toBe('eventType');
    const regex = new RegExp((everything as { regex: string }).regex);
    expect(regex.test('UserJoined')).toBe(true);
    expect(regex.test('$metadata')).toBe(false);
  });
});
