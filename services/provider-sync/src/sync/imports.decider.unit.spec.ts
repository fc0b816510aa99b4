import type { ProviderSyncEvent } from '@llmlab/contracts';
import { importsDecider, MAX_BUCKETS_PER_EVENT, type ImportsCommand } from './imports.decider';

const fold = (events: ProviderSyncEvent[]) => events.reduce(importsDecider.evolve, importsDecider.initialState());
const decide = (history: ProviderSyncEvent[], command: ImportsCommand) => importsDecider.decide(command, fold(history));

const started: ProviderSyncEvent = {
  type: 'ProviderSyncRunStarted',
  data: {
    runId: 'r1',
    connectionId: 'c1',
    organizationId: 'o1',
    provider: 'openai',
    from: '2026-03-01T00:00:00.000Z',
    to: '2026-03-04T00:00:00.000Z',
    trigger: 'manual',
    startedAt: 't',
  },
};
const bucket = (day: string, amount: string) => ({ day, externalProjectId: null, projectId: null, model: null, lineItem: 'x', amount });
const page = (costs: ReturnType<typeof bucket>[]): ImportsCommand => ({
  type: 'ImportPage',
  data: { runId: 'r1', page: 1, costs, usage: [] },
});

describe('imports decider', () => {
  it('imports a new bucket identity once, with its exact decimal', () => {
    const events = decide([started], page([bucket('2026-03-01', '0.1234567890123456789')]));
    expect(events).toEqual([
      expect.objectContaining({
        type: 'ProviderCostsImported',
        data: expect.objectContaining({ buckets: [expect.objectContaining({ amount: '0.1234567890123456789', currency: 'USD' })] }),
      }),
    ]);
  });

  it('same figure again: nothing; equal decimals written differently: nothing', () => {
    const history = [started, ...decide([started], page([bucket('2026-03-01', '1.50')]))];
    expect(decide(history, page([bucket('2026-03-01', '1.5')]))).toEqual([]);
  });

  it('a changed figure is a correction carrying the previous amount, never a second import', () => {
    const history = [started, ...decide([started], page([bucket('2026-03-01', '1.5')]))];
    const events = decide(history, page([bucket('2026-03-01', '2')]));
    expect(events.map((e) => e.type)).toEqual(['ProviderCostsCorrected']);
    expect(events[0].data).toMatchObject({ buckets: [{ amount: '2', previousAmount: '1.5' }] });
  });

  it('a large page is cut into events of at most MAX_BUCKETS_PER_EVENT buckets, each bucket in exactly one', () => {
    const days = Array.from({ length: 2 * MAX_BUCKETS_PER_EVENT + 500 }, (_, i) =>
      new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
    );
    const usage = days.slice(0, MAX_BUCKETS_PER_EVENT + 1).map((day) => ({
      day,
      externalProjectId: 'p',
      projectId: null,
      model: 'm',
      kind: 'completions',
      inputTokens: 1,
      outputTokens: 1,
      cachedInputTokens: 0,
      requests: 1,
    }));
    const command: ImportsCommand = {
      type: 'ImportPage',
      data: { runId: 'r1', page: 1, costs: days.map((day) => bucket(day, '1')), usage },
    };
    const events = decide([started], command);
    expect(events.map((e) => [e.type, (e.data as { buckets: unknown[] }).buckets.length])).toEqual([
      ['ProviderCostsImported', MAX_BUCKETS_PER_EVENT],
      ['ProviderCostsImported', MAX_BUCKETS_PER_EVENT],
      ['ProviderCostsImported', 500],
      ['ProviderUsageImported', MAX_BUCKETS_PER_EVENT],
      ['ProviderUsageImported', 1],
    ]);
    const state = fold([started, ...events]);
    expect(state.costs.size).toBe(days.length);
    expect(state.usage.size).toBe(usage.length);
    expect(state.runs.get('r1')?.rowsImported).toBe(days.length + usage.length);
    expect(decide([started, ...events], command)).toEqual([]);
  });

  it('a second start while a run is running starts nothing; completing sets the watermark', () => {
    const { startedAt: _at, ...run } = started.data as Extract<ProviderSyncEvent, { type: 'ProviderSyncRunStarted' }>['data'];
    expect(decide([started], { type: 'StartRun', data: { ...run, runId: 'r2', at: 't' } })).toEqual([]);
    const done = decide([started], { type: 'CompleteRun', data: { runId: 'r1', pagesFetched: 2, at: 't' } });
    expect(fold([started, ...done]).watermark).toBe('2026-03-04T00:00:00.000Z');
    expect(decide([started, ...done], page([bucket('2026-03-01', '1')]))).toEqual([]);
  });

  it('keeps how a run ended, so a read model that missed the end can be finished from the stream', () => {
    const imported = decide([started], page([bucket('2026-03-01', '1')]));
    const done = decide([started, ...imported], {
      type: 'CompleteRun',
      data: { runId: 'r1', pagesFetched: 2, at: '2026-03-04T01:00:00Z' },
    });
    expect(fold([started, ...imported, ...done]).runs.get('r1')).toMatchObject({
      status: 'completed',
      pagesFetched: 2,
      rowsImported: 1,
      finishedAt: '2026-03-04T01:00:00Z',
      error: null,
    });
    const failed = decide([started], { type: 'FailRun', data: { runId: 'r1', pagesFetched: 1, error: 'answered 500', at: 'f' } });
    expect(fold([started, ...failed]).runs.get('r1')).toMatchObject({
      status: 'failed',
      pagesFetched: 1,
      finishedAt: 'f',
      error: 'answered 500',
    });
  });
});
