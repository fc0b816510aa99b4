import type { TraceFlagType } from '@llmlab/contracts';
import type { DetectorThresholds } from './detector-thresholds';
import type { EvaluatedModelCall, EvaluatedSpan, EvaluatedTrace } from './trace-detector';
import { TraceDetectorRegistry } from './trace-detector.registry';

const thresholds: DetectorThresholds = {
  retryMinCalls: 3,
  retryWindowMs: 30_000,
  toolLoopMinCalls: 5,
  modelCallMaxMs: 120_000,
  costOutlierMinSamples: 20,
  costOutlierMadFactor: 5,
  costOutlierMinRatio: 2,
  costOutlierWindowDays: 14,
  runawayMinCalls: 5,
  runawayGrowthFactor: 3,
};
const registry = new TraceDetectorRegistry(thresholds);
const T0 = Date.parse('2026-12-04T10:00:00Z');

function span(id: string, over: Partial<EvaluatedSpan> = {}): EvaluatedSpan {
  return {
    spanId: id,
    parentSpanId: 'root',
    name: id,
    category: 'other',
    startMs: T0 + Number.parseInt(id.replace(/\D/g, '') || '0', 10) * 1000,
    endMs: T0 + Number.parseInt(id.replace(/\D/g, '') || '0', 10) * 1000 + 500,
    status: 'ok',
    statusMessage: null,
    model: null,
    toolName: null,
    toolArgumentsHash: null,
    attributes: {},
    events: [],
    ...over,
  };
}

function call(i: number, over: Partial<EvaluatedModelCall> = {}): EvaluatedModelCall {
  return {
    eventId: `e${i}`,
    spanId: `s${i}`,
    parentSpanId: 'root',
    model: 'gpt-4o',
    occurredAtMs: T0 + i * 1000,
    status: 'success',
    errorType: null,
    latencyMs: 800,
    inputTokens: 1000,
    cost: '0.01',
    ...over,
  };
}

function trace(over: Partial<EvaluatedTrace> = {}): EvaluatedTrace {
  return {
    traceId: 'a'.repeat(32),
    name: 'agent',
    spans: [span('root', { parentSpanId: null })],
    modelCalls: [],
    cost: '0',
    costHistory: [],
    ...over,
  };
}

function flag(t: EvaluatedTrace, type: TraceFlagType) {
  return registry.evaluate(t).find((f) => f.type === type);
}

describe('trace detectors', () => {
  it('a clean trace has no flag', () => {
    const calls = [1, 2, 3].map((i) => call(i));
    expect(registry.evaluate(trace({ spans: calls.map((c) => span(c.spanId as string, { category: 'llm' })), modelCalls: calls }))).toEqual(
      [],
    );
  });

  describe('error', () => {
    it('flags error spans and failed model calls', () => {
      const f = flag(trace({ spans: [span('s1', { status: 'error' }), span('s2')], modelCalls: [call(3, { status: 'error' })] }), 'error');
      expect(f).toMatchObject({ spanIds: ['s1', 's3'], figures: { errorSpans: 1, failedModelCalls: 1 } });
    });
    it('does not flag spans that are ok or unset', () => {
      expect(
        flag(trace({ spans: [span('s1', { status: 'unset' }), span('s2', { status: 'ok' })], modelCalls: [call(3)] }), 'error'),
      ).toBeUndefined();
    });
  });

  describe('retry_storm', () => {
    it('flags three calls of one model under one parent in quick succession with a failure', () => {
      const calls = [call(1, { status: 'error' }), call(2, { status: 'error' }), call(3)];
      const f = flag(trace({ modelCalls: calls }), 'retry_storm');
      expect(f).toMatchObject({ spanIds: ['s1', 's2', 's3'], figures: { calls: 3, failedCalls: 2, model: 'gpt-4o' } });
    });
    it('does not flag the same calls all successful, under different parents, or spread over time', () => {
      expect(flag(trace({ modelCalls: [call(1), call(2), call(3)] }), 'retry_storm')).toBeUndefined();
      const parents = [call(1, { status: 'error' }), call(2, { parentSpanId: 'p2' }), call(3, { parentSpanId: 'p3' })];
      expect(flag(trace({ modelCalls: parents }), 'retry_storm')).toBeUndefined();
      const spread = [1, 40, 80].map((i) => call(i, { status: 'error' }));
      expect(flag(trace({ modelCalls: spread }), 'retry_storm')).toBeUndefined();
    });
  });

  describe('tool_loop', () => {
    const tool = (i: number, hash: string) => span(`s${i}`, { category: 'tool', toolName: 'search', toolArgumentsHash: hash });
    it('flags one tool called five times with the same arguments', () => {
      const f = flag(trace({ spans: [1, 2, 3, 4, 5].map((i) => tool(i, 'h1')) }), 'tool_loop');
      expect(f).toMatchObject({ spanIds: ['s1', 's2', 's3', 's4', 's5'], figures: { tool: 'search', calls: 5 } });
    });
    it('does not flag four identical calls, or five with different arguments', () => {
      expect(flag(trace({ spans: [1, 2, 3, 4].map((i) => tool(i, 'h1')) }), 'tool_loop')).toBeUndefined();
      expect(flag(trace({ spans: [1, 2, 3, 4, 5].map((i) => tool(i, `h${i % 2}`)) }), 'tool_loop')).toBeUndefined();
    });
  });

  describe('timeout', () => {
    it('flags an exception of a timeout type, an HTTP 504, and a model call over the maximum', () => {
      const spans = [
        span('s1', { status: 'error', events: [{ name: 'exception', time: '', attributes: { 'exception.type': 'APITimeoutError' } }] }),
        span('s2', { category: 'http', attributes: { 'http.response.status_code': 504 } }),
        span('s3', { category: 'llm', endMs: T0 + 3000 + 121_000 }),
      ];
      const f = flag(trace({ spans, modelCalls: [call(9, { spanId: null, errorType: 'deadline_exceeded', status: 'error' })] }), 'timeout');
      expect(f).toMatchObject({ spanIds: ['s1', 's2', 's3'], figures: { timedOut: 3, slowModelCalls: 1 } });
    });
    it('does not flag other errors or calls under the maximum', () => {
      const spans = [
        span('s1', { status: 'error', attributes: { 'error.type': 'RateLimitError' } }),
        span('s2', { category: 'llm', endMs: T0 + 2000 + 119_000 }),
      ];
      expect(flag(trace({ spans, modelCalls: [call(9, { spanId: null, latencyMs: 60_000 })] }), 'timeout')).toBeUndefined();
    });
  });

  describe('cost_outlier', () => {
    const history = Array.from({ length: 20 }, (_, i) => `0.0${10 + (i % 5)}`);
    it('flags a trace far above the median of its name', () => {
      const f = flag(trace({ cost: '0.5', costHistory: history, modelCalls: [call(1, { cost: '0.5' })] }), 'cost_outlier');
      expect(f).toMatchObject({
        spanIds: ['s1'],
        figures: { cost: '0.5', median: '0.012', mad: '0.001', threshold: '0.024', samples: 20 },
      });
    });
    it('does not flag a trace within the spread, nor without enough samples', () => {
      expect(flag(trace({ cost: '0.02', costHistory: history }), 'cost_outlier')).toBeUndefined();
      expect(flag(trace({ cost: '0.5', costHistory: history.slice(0, 19) }), 'cost_outlier')).toBeUndefined();
    });
  });

  describe('runaway_context', () => {
    it('flags five strictly increasing input token counts that tripled', () => {
      const calls = [1000, 1500, 2200, 2900, 3100].map((n, i) => call(i + 1, { inputTokens: n }));
      const f = flag(trace({ modelCalls: calls }), 'runaway_context');
      expect(f).toMatchObject({
        spanIds: ['s1', 's2', 's3', 's4', 's5'],
        figures: { calls: 5, firstInputTokens: 1000, lastInputTokens: 3100 },
      });
    });
    it('does not flag growth that is interrupted or too small', () => {
      const interrupted = [1000, 1500, 1400, 2900, 3100, 4000].map((n, i) => call(i + 1, { inputTokens: n }));
      expect(flag(trace({ modelCalls: interrupted }), 'runaway_context')).toBeUndefined();
      const small = [1000, 1100, 1200, 1300, 1400].map((n, i) => call(i + 1, { inputTokens: n }));
      expect(flag(trace({ modelCalls: small }), 'runaway_context')).toBeUndefined();
    });
  });
});
