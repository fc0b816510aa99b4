import { eventColumns, toRecordedEvent } from './postgres-rows';

describe('toRecordedEvent', () => {
  it('turns bigint strings into numbers and the time into RFC 3339 with milliseconds', () => {
    const metadata = { actor: { type: 'system' as const, id: 'x' }, correlationId: 'c' };
    expect(
      toRecordedEvent({
        position: '9007199254740991',
        stream_id: 'auth.project-1',
        revision: '12',
        event_id: '0192e4a0-0000-7000-8000-000000000000',
        type: 'ProjectCreated',
        version: 2,
        data: { name: 'p' },
        metadata,
        recorded_at: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6)),
        hash: 'ab'.repeat(32),
      }),
    ).toEqual({
      id: '0192e4a0-0000-7000-8000-000000000000',
      type: 'ProjectCreated',
      version: 2,
      data: { name: 'p' },
      metadata,
      streamId: 'auth.project-1',
      revision: 12,
      position: Number.MAX_SAFE_INTEGER,
      recordedAt: '2025-01-02T03:04:05.006Z',
      hash: 'ab'.repeat(32),
    });
  });
});

describe('eventColumns', () => {
  it('qualifies the select list with an alias', () => {
    expect(eventColumns('e')).toMatch(/^e\.position, e\.stream_id, .* e\.hash$/);
    expect(eventColumns()).toMatch(/^position, stream_id, .* hash$/);
  });
});
