import { eventSubject, streamTopology } from './streams';

describe('streamTopology', () => {
  it('uses the platform names without a prefix', () => {
    const t = streamTopology();
    expect([t.events, t.ingest, t.deadLetter]).toEqual([
      { name: 'EVENTS', subjects: 'events.>' },
      { name: 'INGEST', subjects: 'ingest.>' },
      { name: 'DLQ', subjects: 'dlq.>' },
    ]);
    expect(t.subject('ingest.usage')).toBe('ingest.usage');
  });

  it('isolates a prefix in both stream names and subjects', () => {
    const t = streamTopology('t1a2');
    expect(t.events).toEqual({ name: 'EVENTS_t1a2', subjects: 't1a2.events.>' });
    expect(t.deadLetter).toEqual({ name: 'DLQ_t1a2', subjects: 't1a2.dlq.>' });
    expect(t.subject('ingest.usage')).toBe('t1a2.ingest.usage');
  });

  it('refuses a prefix that is not one subject token and a valid stream name', () => {
    expect(() => streamTopology('a.b')).toThrow(/prefix/);
    expect(() => streamTopology('a b')).toThrow(/prefix/);
  });
});

describe('eventSubject', () => {
  it('is events.<context>.<Type>, the context being the stream id before the first dot', () => {
    expect(eventSubject({ streamId: 'auth.project-0192f1', type: 'ProjectCreated' })).toBe('events.auth.ProjectCreated');
    expect(eventSubject({ streamId: 'provider-sync.run-1.part', type: 'SyncRunStarted' })).toBe('events.provider-sync.SyncRunStarted');
  });

  it('carries the topology prefix', () => {
    expect(eventSubject({ streamId: 'alerts.budget-1', type: 'BudgetCreated' }, streamTopology('p'))).toBe('p.events.alerts.BudgetCreated');
  });

  it('refuses what would break the subject', () => {
    expect(() => eventSubject({ streamId: 'nocontext', type: 'X' })).toThrow(/context/);
    expect(() => eventSubject({ streamId: '.x-1', type: 'X' })).toThrow(/context/);
    expect(() => eventSubject({ streamId: 'auth.x-1', type: 'Project Created' })).toThrow(/subject token/);
    expect(() => eventSubject({ streamId: 'auth.x-1', type: 'A.B' })).toThrow(/subject token/);
    expect(() => eventSubject({ streamId: 'auth.x-1', type: '>' })).toThrow(/subject token/);
  });
});
