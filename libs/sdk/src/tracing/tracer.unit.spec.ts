import { currentContext, withContext } from '../context';
import { LLMLab } from '../llmlab.client';
import type { UsageBatch } from '../usage.transport';
import { callContext, type SpanRecord, type SpanSink } from './active-span';
import { encodeTraceRequest } from './otlp.encoding';
import type { OtlpTraceRequest } from './otlp.encoding';
import { span, startTrace, traced } from './tracer';

function collector(): SpanSink & { spans: SpanRecord[] } {
  const spans: SpanRecord[] = [];
  return { spans, end: (record) => spans.push(record) };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('trace() and span()', () => {
  it('nests spans under the current one across awaits, one trace id, and returns what fn returns', async () => {
    const sink = collector();
    const result = await startTrace(
      sink,
      'agent',
      async () => {
        await tick();
        const inner = await span(
          'tool',
          async () => {
            await tick();
            return span('leaf', () => 41);
          },
          { category: 'tool' },
        );
        return inner + 1;
      },
      { sessionId: 's-1', userId: 'u-1', tags: { team: 'a' } },
    );
    expect(result).toBe(42);
    const [leaf, tool, agent] = sink.spans;
    expect([leaf.name, tool.name, agent.name]).toEqual(['leaf', 'tool', 'agent']);
    expect(agent.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(agent.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(agent.parentSpanId).toBeUndefined();
    expect(tool.parentSpanId).toBe(agent.spanId);
    expect(leaf.parentSpanId).toBe(tool.spanId);
    expect(new Set(sink.spans.map((s) => s.traceId)).size).toBe(1);
    expect(tool).toMatchObject({ sessionId: 's-1', userId: 'u-1', tags: { team: 'a' }, status: 'ok' });
    expect(tool.attributes['gen_ai.operation.name']).toBe('execute_tool');
    expect(agent.endTimeUnixNano! >= tool.endTimeUnixNano!).toBe(true);
    expect(tool.startTimeUnixNano >= agent.startTimeUnixNano).toBe(true);
  });

  it('keeps parallel tasks in their own spans', async () => {
    const sink = collector();
    await startTrace(sink, 'root', () =>
      Promise.all(
        ['a', 'b', 'c'].map((name) =>
          span(name, async () => {
            await tick();
            await span(`${name}.child`, tick);
          }),
        ),
      ),
    );
    const byName = new Map(sink.spans.map((s) => [s.name, s]));
    for (const name of ['a', 'b', 'c']) {
      expect(byName.get(`${name}.child`)!.parentSpanId).toBe(byName.get(name)!.spanId);
      expect(byName.get(name)!.parentSpanId).toBe(byName.get('root')!.spanId);
    }
  });

  it('keeps two concurrent traces apart', async () => {
    const sink = collector();
    await Promise.all(['t1', 't2'].map((name) => startTrace(sink, name, () => span(`${name}.step`, tick))));
    const byName = new Map(sink.spans.map((s) => [s.name, s]));
    expect(byName.get('t1.step')!.traceId).toBe(byName.get('t1')!.traceId);
    expect(byName.get('t2.step')!.traceId).toBe(byName.get('t2')!.traceId);
    expect(byName.get('t1')!.traceId).not.toBe(byName.get('t2')!.traceId);
  });

  it('records a throw and a rejection as an error with an exception event, and rethrows them unchanged', async () => {
    const sink = collector();
    const boom = new TypeError('boom');
    expect(() =>
      startTrace(sink, 'sync', () => {
        throw boom;
      }),
    ).toThrow(boom);
    await expect(startTrace(sink, 'async', () => span('inner', () => Promise.reject(boom)))).rejects.toBe(boom);
    const [sync, inner, outer] = sink.spans;
    for (const failed of [sync, inner, outer]) {
      expect(failed).toMatchObject({ status: 'error', statusMessage: 'boom' });
      expect(failed.events[0]).toMatchObject({
        name: 'exception',
        attributes: { 'exception.type': 'TypeError', 'exception.message': 'boom' },
      });
    }
  });

  it('runs fn alone outside any trace', () => {
    expect(span('lonely', () => 'ok')).toBe('ok');
  });

  it('makes calls inside a span its children: own span id, the span as parent, session, user, tags', () => {
    const sink = collector();
    const context = startTrace(
      sink,
      'root',
      () => span('step', () => withContext({ tags: { env: 'prod' } }, () => callContext(currentContext()))),
      { sessionId: 's', userId: 'u', tags: { team: 'a' } },
    );
    const step = sink.spans[0];
    expect(context).toMatchObject({ traceId: step.traceId, parentSpanId: step.spanId, sessionId: 's', userId: 'u' });
    expect(context.tags).toEqual({ team: 'a', env: 'prod' });
    expect(context.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(context.spanId).not.toBe(step.spanId);
    expect(callContext({ userId: 'x' })).toEqual({ userId: 'x' });
  });
});

describe('@traced', () => {
  it('wraps a method (legacy decorators, as this repository compiles) in a span named after it', async () => {
    const sink = collector();
    class Agent {
      constructor(private readonly factor: number) {}
      @traced()
      async run(input: number): Promise<number> {
        return this.step(input);
      }
      @traced('custom-step', { category: 'tool' })
      step(input: number): number {
        return input * this.factor;
      }
    }
    expect(await startTrace(sink, 'root', () => new Agent(3).run(2))).toBe(6);
    expect(sink.spans.map((s) => s.name)).toEqual(['custom-step', 'Agent.run', 'root']);
    expect(sink.spans[0].parentSpanId).toBe(sink.spans[1].spanId);
  });
});

describe('OTLP/JSON encoding', () => {
  it('spells ids, nanosecond strings, KeyValue attributes, status codes, session, user, tags and service.name', () => {
    const request = encodeTraceRequest(
      [
        {
          traceId: 'a'.repeat(32),
          spanId: 'b'.repeat(16),
          parentSpanId: 'c'.repeat(16),
          name: 'search',
          startTimeUnixNano: 1_700_000_000_000_000_123n,
          endTimeUnixNano: 1_700_000_000_500_000_000n,
          status: 'error',
          statusMessage: 'down',
          sessionId: 's-1',
          userId: 'u-1',
          tags: { team: 'a' },
          attributes: { 'gen_ai.operation.name': 'execute_tool', hits: 3, score: 0.5, cached: false, ids: ['x', 'y'] },
          events: [{ name: 'exception', timeUnixNano: 1_700_000_000_400_000_000n, attributes: { 'exception.message': 'down' } }],
        },
      ],
      { serviceName: 'agent-svc', scopeName: '@llmlab/sdk', scopeVersion: '1.2.3' },
    );
    expect(request).toEqual<OtlpTraceRequest>({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'agent-svc' } }] },
          scopeSpans: [
            {
              scope: { name: '@llmlab/sdk', version: '1.2.3' },
              spans: [
                {
                  traceId: 'a'.repeat(32),
                  spanId: 'b'.repeat(16),
                  parentSpanId: 'c'.repeat(16),
                  name: 'search',
                  kind: 1,
                  startTimeUnixNano: '1700000000000000123',
                  endTimeUnixNano: '1700000000500000000',
                  attributes: [
                    { key: 'gen_ai.operation.name', value: { stringValue: 'execute_tool' } },
                    { key: 'hits', value: { intValue: '3' } },
                    { key: 'score', value: { doubleValue: 0.5 } },
                    { key: 'cached', value: { boolValue: false } },
                    { key: 'ids', value: { arrayValue: { values: [{ stringValue: 'x' }, { stringValue: 'y' }] } } },
                    { key: 'session.id', value: { stringValue: 's-1' } },
                    { key: 'user.id', value: { stringValue: 'u-1' } },
                    { key: 'llmlab.tag.team', value: { stringValue: 'a' } },
                  ],
                  events: [
                    {
                      timeUnixNano: '1700000000400000000',
                      name: 'exception',
                      attributes: [{ key: 'exception.message', value: { stringValue: 'down' } }],
                    },
                  ],
                  status: { code: 2, message: 'down' },
                },
              ],
            },
          ],
        },
      ],
    });
  });
});

describe('LLMLab client tracing', () => {
  function client(spanAnswers: { status: number; body?: unknown; retryAfterMs?: number }[]) {
    const requests: OtlpTraceRequest[] = [];
    const batches: UsageBatch[] = [];
    const errors: string[] = [];
    const llmlab = new LLMLab({
      apiKey: 'k',
      baseUrl: 'http://unused',
      flushOnExit: false,
      retryBaseDelayMs: 0,
      transport: { send: async (batch) => (batches.push(batch), { status: 202, body: { accepted: batch.events.length } }) },
      spanTransport: {
        send: async (request) => {
          requests.push(request);
          return spanAnswers.shift() ?? { status: 200, body: {} };
        },
      },
      serviceName: 'svc',
      onError: (error) => errors.push(`${error.code}: ${error.message}`),
    });
    return { llmlab, requests, batches, errors };
  }

  it('exports spans on flush, retries 429/503 with Retry-After, nests record() under the span', async () => {
    const { llmlab, requests, batches, errors } = client([{ status: 429, retryAfterMs: 0 }, { status: 503 }]);
    llmlab.trace(
      'agent',
      () => llmlab.span('call', () => llmlab.record({ provider: 'openai', model: 'gpt-4o', latencyMs: 5 }), { category: 'llm' }),
      { sessionId: 's-9' },
    );
    await llmlab.flush();
    expect(requests).toHaveLength(3);
    const spans = requests[2].resourceSpans[0].scopeSpans[0].spans;
    expect(spans.map((s) => s.name)).toEqual(['call', 'agent']);
    const [event] = batches[0].events;
    expect(event).toMatchObject({ traceId: spans[0].traceId, parentSpanId: spans[0].spanId, sessionId: 's-9' });
    expect(event.spanId).not.toBe(spans[0].spanId);
    expect(errors).toEqual([]);
    expect(llmlab.getSpanStats()).toEqual({ queued: 0, sent: 2, failed: 0, dropped: 0 });
    await llmlab.shutdown();
  });

  it('reports partialSuccess and a rejected request', async () => {
    const { llmlab, errors } = client([
      { status: 200, body: { partialSuccess: { rejectedSpans: '1', errorMessage: 'bad span' } } },
      { status: 400, body: { title: 'nope' } },
    ]);
    llmlab.trace('one', () => llmlab.span('two', () => undefined));
    await llmlab.flush();
    llmlab.trace('three', () => undefined);
    await llmlab.shutdown();
    expect(errors).toEqual([
      'events_rejected: the OTLP intake rejected 1 of 2 span(s): bad span',
      'request_rejected: the OTLP intake answered 400; 1 span(s) dropped',
    ]);
    expect(llmlab.getSpanStats()).toEqual({ queued: 0, sent: 1, failed: 2, dropped: 0 });
  });
});
