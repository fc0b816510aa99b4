import type { CostBucket, CostCorrection, Provider, ProviderSyncEvent, SyncTrigger, UsageBucket } from '@llmlab/contracts';
import { assertUnreachable, Money, type Decider } from '@llmlab/domain';

export type ImportsCommand =
  | {
      type: 'StartRun';
      data: {
        runId: string;
        connectionId: string;
        organizationId: string;
        provider: Provider;
        from: string;
        to: string;
        trigger: SyncTrigger;
        at: string;
      };
    }
  | {
      type: 'ImportPage';
      data: { runId: string; page: number; costs: Omit<CostBucket, 'currency'>[]; usage: UsageBucket[] };
    }
  | { type: 'CompleteRun'; data: { runId: string; pagesFetched: number; at: string } }
  | { type: 'FailRun'; data: { runId: string; pagesFetched: number; error: string; at: string } };

export interface RunState {
  runId: string;
  from: string;
  to: string;
  trigger: SyncTrigger;
  status: 'running' | 'completed' | 'failed';
  pagesFetched: number;
  rowsImported: number;
  /** When it completed or failed, and why it failed. */
  finishedAt: string | null;
  error: string | null;
}

export interface ImportsState {
  connectionId: string;
  organizationId: string;
  provider: Provider | null;
  /** The latest figure of every cost bucket ever imported, by identity. */
  costs: Map<string, CostBucket>;
  usage: Map<string, UsageBucket>;
  runs: Map<string, RunState>;
  /** End of the range of the latest completed run. */
  watermark: string | null;
}

/**
 * The most buckets one event carries. A page can hold a month (Anthropic, OpenAI usage) or half a year (OpenAI costs)
 * of daily buckets, tens of thousands for a large organization; the relay publishes each event as one NATS message
 * (`max_payload`, 1 MiB by default) and the read model writes each as one statement (65,535 bind parameters at most).
 * A thousand buckets is about 200 KiB of JSON.
 */
export const MAX_BUCKETS_PER_EVENT = 1000;

const chunks = <T>(items: T[]): T[][] =>
  Array.from({ length: Math.ceil(items.length / MAX_BUCKETS_PER_EVENT) }, (_, i) =>
    items.slice(i * MAX_BUCKETS_PER_EVENT, (i + 1) * MAX_BUCKETS_PER_EVENT),
  );

const initialState = (): ImportsState => ({
  connectionId: '',
  organizationId: '',
  provider: null,
  costs: new Map(),
  usage: new Map(),
  runs: new Map(),
  watermark: null,
});

export const costKey = (b: { day: string; externalProjectId: string | null; model: string | null; lineItem: string | null }) =>
  JSON.stringify([b.day, b.externalProjectId, b.model, b.lineItem]);
export const usageKey = (b: { day: string; externalProjectId: string | null; model: string | null; kind: string }) =>
  JSON.stringify([b.day, b.externalProjectId, b.model, b.kind]);

const sameUsage = (a: UsageBucket, b: UsageBucket) =>
  a.projectId === b.projectId &&
  a.inputTokens === b.inputTokens &&
  a.outputTokens === b.outputTokens &&
  a.cachedInputTokens === b.cachedInputTokens &&
  a.requests === b.requests;

/** The running run, if any (at most one per connection). */
export const runningRun = (state: ImportsState): RunState | undefined => [...state.runs.values()].find((r) => r.status === 'running');

function decide(command: ImportsCommand, state: ImportsState): ProviderSyncEvent[] {
  const base = { connectionId: state.connectionId, organizationId: state.organizationId };
  switch (command.type) {
    case 'StartRun': {
      const d = command.data;
      if (state.runs.has(d.runId) || runningRun(state)) return [];
      return [
        {
          type: 'ProviderSyncRunStarted',
          data: {
            runId: d.runId,
            connectionId: d.connectionId,
            organizationId: d.organizationId,
            provider: d.provider,
            from: d.from,
            to: d.to,
            trigger: d.trigger,
            startedAt: d.at,
          },
        },
      ];
    }
    case 'ImportPage': {
      const d = command.data;
      const run = state.runs.get(d.runId);
      if (!run || run.status !== 'running' || !state.provider) return [];
      const provider = state.provider;
      const imported: CostBucket[] = [];
      const corrected: CostCorrection[] = [];
      // Within one page the last figure of an identity wins; the same identity twice adds nothing twice.
      const page = new Map<string, Omit<CostBucket, 'currency'>>();
      for (const bucket of d.costs) page.set(costKey(bucket), bucket);
      for (const [key, bucket] of page) {
        const amount = new Money(bucket.amount).toFixed();
        const previous = state.costs.get(key);
        if (!previous) imported.push({ ...bucket, amount, currency: 'USD' });
        else if (!new Money(previous.amount).eq(amount))
          corrected.push({ ...bucket, amount, currency: 'USD', previousAmount: previous.amount });
      }
      const usagePage = new Map<string, UsageBucket>();
      for (const bucket of d.usage) usagePage.set(usageKey(bucket), bucket);
      const usage = [...usagePage]
        .filter(([key, bucket]) => {
          const previous = state.usage.get(key);
          return !previous || !sameUsage(previous, bucket);
        })
        .map(([, bucket]) => bucket);
      const events: ProviderSyncEvent[] = [];
      const common = { runId: d.runId, ...base, provider, page: d.page };
      for (const buckets of chunks(imported)) events.push({ type: 'ProviderCostsImported', data: { ...common, buckets } });
      for (const buckets of chunks(corrected)) events.push({ type: 'ProviderCostsCorrected', data: { ...common, buckets } });
      for (const buckets of chunks(usage)) events.push({ type: 'ProviderUsageImported', data: { ...common, buckets } });
      return events;
    }
    case 'CompleteRun': {
      const run = state.runs.get(command.data.runId);
      if (!run || run.status !== 'running') return [];
      return [
        {
          type: 'ProviderSyncRunCompleted',
          data: {
            runId: run.runId,
            ...base,
            pagesFetched: command.data.pagesFetched,
            rowsImported: run.rowsImported,
            completedAt: command.data.at,
          },
        },
      ];
    }
    case 'FailRun': {
      const run = state.runs.get(command.data.runId);
      if (!run || run.status !== 'running') return [];
      return [
        {
          type: 'ProviderSyncRunFailed',
          data: {
            runId: run.runId,
            ...base,
            pagesFetched: command.data.pagesFetched,
            rowsImported: run.rowsImported,
            error: command.data.error.slice(0, 500),
            failedAt: command.data.at,
          },
        },
      ];
    }
    default:
      return assertUnreachable(command);
  }
}

function withRun(state: ImportsState, runId: string, change: (run: RunState) => RunState): ImportsState {
  const run = state.runs.get(runId);
  if (run) state.runs.set(runId, change(run));
  return state;
}

/** Evolves in place (the maps of a long-lived connection are large); the runner folds a fresh state per load. */
function evolve(state: ImportsState, event: ProviderSyncEvent): ImportsState {
  switch (event.type) {
    case 'ProviderSyncRunStarted': {
      const d = event.data;
      state.connectionId = d.connectionId;
      state.organizationId = d.organizationId;
      state.provider = d.provider;
      state.runs.set(d.runId, {
        runId: d.runId,
        from: d.from,
        to: d.to,
        trigger: d.trigger,
        status: 'running',
        pagesFetched: 0,
        rowsImported: 0,
        finishedAt: null,
        error: null,
      });
      return state;
    }
    case 'ProviderCostsImported':
    case 'ProviderCostsCorrected': {
      for (const bucket of event.data.buckets) {
        const { previousAmount: _previous, ...figure } = bucket as CostCorrection;
        state.costs.set(costKey(bucket), figure);
      }
      return withRun(state, event.data.runId, (run) => ({ ...run, rowsImported: run.rowsImported + event.data.buckets.length }));
    }
    case 'ProviderUsageImported':
      for (const bucket of event.data.buckets) state.usage.set(usageKey(bucket), bucket);
      return withRun(state, event.data.runId, (run) => ({ ...run, rowsImported: run.rowsImported + event.data.buckets.length }));
    case 'ProviderSyncRunCompleted': {
      const run = state.runs.get(event.data.runId);
      if (run && (!state.watermark || run.to > state.watermark)) state.watermark = run.to;
      const { pagesFetched, completedAt } = event.data;
      return withRun(state, event.data.runId, (r) => ({ ...r, status: 'completed', pagesFetched, finishedAt: completedAt }));
    }
    case 'ProviderSyncRunFailed': {
      const { pagesFetched, failedAt, error } = event.data;
      return withRun(state, event.data.runId, (r) => ({ ...r, status: 'failed', pagesFetched, finishedAt: failedAt, error }));
    }
    default:
      return assertUnreachable(event);
  }
}

/** The imports of one connection: its sync runs and the latest figure of every bucket they imported. */
export const importsDecider: Decider<ImportsCommand, ProviderSyncEvent, ImportsState> = { decide, evolve, initialState };
