import { TRACE_LIMITS, USAGE_LIMITS } from '@llmlab/contracts';
import { decodeTraceRequest } from './otlp-proto';
import { genAiUsage } from './genai-usage';
import { OtlpShapeError, readOtlpSpans } from './otlp-spans';
import { Root } from 'protobufjs';

const NOW = new Date('2026-12-04T12:00:00.000Z');
const END = BigInt(NOW.getTime() - 1_000) * 1_000_000n + 123_456n;
const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';

const kv = (key: string, value: unknown) => ({
  key,
  value:
    typeof value === 'number'
      ? Number.isInteger(value)
        ? { intValue: String(value) }
        : { doubleValue: value }
      : typeof value === 'boolean'
        ? { boolValue: value }
        : { stringValue: value },
});

function spanOf(overrides: Record<string, unknown> = {}, attributes: Record<string, unknown> = {}) {
  return {
    traceId: TRACE,
    spanId: SPAN,
    name: 'chat gpt-4o-mini',
    kind: 3,
    startTimeUnixNano: String(END - 1_500_000_000n),
    endTimeUnixNano: String(END),
    attributes: Object.entries(attributes).map(([k, v]) => kv(k, v)),
    ...overrides,
  };
}

const exportOf = (...spans: unknown[]) => ({
  resourceSpans: [{ resource: { attributes: [kv('service.name', 'api'), kv('llmlab.tag.team', 'core')] }, scopeSpans: [{ spans }] }],
});

const usageAttributes = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'gpt-4o-mini',
  'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
  'gen_ai.usage.input_tokens': 1200,
  'gen_ai.usage.output_tokens': 80,
};

describe('genAiUsage (the token mapping)', () => {
  const invalid = (field: string, message: string) => new Error(`${field}: ${message}`);
  const read = (attributes: Record<string, number | string>) => genAiUsage(new Map(Object.entries(attributes)), invalid)?.counts;

  it('is absent without input or output tokens', () => {
    expect(read({ 'gen_ai.request.model': 'gpt-4o' })).toBeUndefined();
  });

  it('takes input_tokens as counting the cache reads and writes, as the conventions say', () => {
    expect(
      read({ 'gen_ai.usage.input_tokens': 2000, 'gen_ai.usage.output_tokens': 10, 'gen_ai.usage.cache_read.input_tokens': 1024 }),
    ).toEqual({
      inputTokens: 2000,
      outputTokens: 10,
      cachedInputTokens: 1024,
    });
  });

  it("adds the cache counts when they exceed input_tokens (Anthropic's raw usage copied as is)", () => {
    expect(
      read({
        'gen_ai.usage.input_tokens': 30,
        'gen_ai.usage.output_tokens': 5,
        'gen_ai.usage.cache_read_input_tokens': 900,
        'gen_ai.usage.cache_creation_input_tokens': 100,
      }),
    ).toEqual({ inputTokens: 1030, outputTokens: 5, cachedInputTokens: 900, cacheWriteTokens: 100 });
  });

  it('reads reasoning tokens as part of the output, adding them when reported apart', () => {
    expect(
      read({ 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 500, 'gen_ai.usage.reasoning.output_tokens': 400 }),
    ).toEqual({
      inputTokens: 10,
      outputTokens: 500,
      reasoningTokens: 400,
    });
    expect(read({ 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 50, 'gen_ai.usage.reasoning_tokens': 400 })).toEqual({
      inputTokens: 10,
      outputTokens: 450,
      reasoningTokens: 400,
    });
  });

  it('accepts the older prompt/completion names and integer strings', () => {
    expect(read({ 'gen_ai.usage.prompt_tokens': '12', 'gen_ai.usage.completion_tokens': 3 })).toEqual({ inputTokens: 12, outputTokens: 3 });
  });

  it('refuses a count that is not a non-negative integer, naming the attribute', () => {
    expect(() => read({ 'gen_ai.usage.input_tokens': -1 })).toThrow('gen_ai.usage.input_tokens: must be a non-negative integer');
    expect(() => read({ 'gen_ai.usage.input_tokens': 1.5 })).toThrow('gen_ai.usage.input_tokens');
  });
});

describe('readOtlpSpans', () => {
  it('reads a GenAI span into a span and a usage event in the platform convention', () => {
    const read = readOtlpSpans(exportOf(spanOf({}, { ...usageAttributes, 'user.id': 'u-1', 'session.id': 's-1' })), NOW);
    expect(read.rejected).toEqual([]);
    expect(read.total).toBe(1);
    const [span] = read.spans;
    expect(span).toMatchObject({
      traceId: TRACE,
      spanId: SPAN,
      kind: 'client',
      category: 'llm',
      status: 'unset',
      serviceName: 'api',
      sessionId: 's-1',
      userId: 'u-1',
      tags: { team: 'core' },
      startTime: '2026-12-04T11:59:57.500123Z',
      endTime: '2026-12-04T11:59:59.000123Z',
      genAi: {
        operation: 'chat',
        provider: 'openai',
        requestModel: 'gpt-4o-mini',
        responseModel: 'gpt-4o-mini-2024-07-18',
        usage: { inputTokens: 1200, outputTokens: 80 },
        usageEventId: `otel:${TRACE}:${SPAN}`,
      },
    });
    expect(read.usageEvents).toEqual([
      expect.objectContaining({
        id: `otel:${TRACE}:${SPAN}`,
        provider: 'openai',
        model: 'gpt-4o-mini-2024-07-18',
        latencyMs: 1500,
        status: 'success',
        traceId: TRACE,
        spanId: SPAN,
        userId: 'u-1',
        sessionId: 's-1',
        usage: { inputTokens: 1200, outputTokens: 80 },
      }),
    ]);
  });

  it('carries the prompt-prefix fingerprint attributes to the usage event, and names a bad one', () => {
    const hash = 'c'.repeat(64);
    const read = readOtlpSpans(
      exportOf(
        spanOf(
          {},
          { ...usageAttributes, 'llmlab.prompt_prefix.hash': hash, 'llmlab.prompt_prefix.tokens': 3000, 'llmlab.prompt_prefix.tools': 2 },
        ),
        spanOf(
          { spanId: 'eee19b7ec3c1b175' },
          { ...usageAttributes, 'llmlab.prompt_prefix.hash': 'not-a-hash', 'llmlab.prompt_prefix.tokens': 5 },
        ),
      ),
      NOW,
    );
    expect(read.usageEvents.map((e) => e.promptPrefix)).toEqual([{ hash, tokens: 3000, tools: 2 }]);
    expect(read.rejected).toEqual([
      {
        field: '/resourceSpans/0/scopeSpans/0/spans/1/attributes/llmlab.prompt_prefix.hash',
        message: 'must be 64 lowercase hexadecimal characters (a SHA-256)',
      },
    ]);
  });

  it('reads protobuf bytes ids the same as OTLP/JSON hex ids', () => {
    const root = Root.fromJSON({
      nested: {
        Span: {
          fields: {
            traceId: { type: 'bytes', id: 1 },
            spanId: { type: 'bytes', id: 2 },
            name: { type: 'string', id: 5 },
            startTimeUnixNano: { type: 'fixed64', id: 7 },
            endTimeUnixNano: { type: 'fixed64', id: 8 },
          },
        },
        ScopeSpans: { fields: { spans: { rule: 'repeated', type: 'Span', id: 2 } } },
        ResourceSpans: { fields: { scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 } } },
        Req: { fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } } },
      },
    });
    const Req = root.lookupType('Req');
    const bytes = Req.encode(
      Req.fromObject({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: Buffer.from(TRACE, 'hex'),
                    spanId: Buffer.from(SPAN, 'hex'),
                    name: 'root',
                    startTimeUnixNano: String(END - 10n),
                    endTimeUnixNano: String(END),
                  },
                ],
              },
            ],
          },
        ],
      }),
    ).finish();
    const read = readOtlpSpans(decodeTraceRequest(bytes), NOW);
    expect(read.spans.map((s) => [s.traceId, s.spanId, s.name])).toEqual([[TRACE, SPAN, 'root']]);
  });

  it('rejects a span breaking a rule, with its path, and keeps the others', () => {
    const read = readOtlpSpans(
      exportOf(
        spanOf(),
        spanOf({ traceId: '00000000000000000000000000000000' }),
        spanOf({ spanId: 'xyz' }),
        spanOf({ endTimeUnixNano: String(END - 2_000_000_000n) }),
        spanOf({ endTimeUnixNano: String(BigInt(NOW.getTime() + 3_600_000) * 1_000_000n) }),
        spanOf({}, { ...usageAttributes, 'gen_ai.provider.name': '', 'gen_ai.system': '' }),
        spanOf({ name: '' }),
      ),
      NOW,
    );
    expect(read.spans).toHaveLength(1);
    expect(read.rejected).toEqual([
      { field: '/resourceSpans/0/scopeSpans/0/spans/1/traceId', message: 'must not be all zeros' },
      { field: '/resourceSpans/0/scopeSpans/0/spans/2/spanId', message: 'must be 16 hexadecimal characters (8 bytes)' },
      { field: '/resourceSpans/0/scopeSpans/0/spans/3/endTimeUnixNano', message: 'must not be before startTimeUnixNano' },
      { field: '/resourceSpans/0/scopeSpans/0/spans/4/endTimeUnixNano', message: 'is in the future' },
      { field: '/resourceSpans/0/scopeSpans/0/spans/5/attributes/gen_ai.provider.name', message: expect.any(String) },
      { field: '/resourceSpans/0/scopeSpans/0/spans/6/name', message: 'is required' },
    ]);
  });

  it('refuses an end-user or session id longer than a usage event takes, with usage or without', () => {
    const longest = 'u'.repeat(USAGE_LIMITS.maxStringLength);
    const read = readOtlpSpans(
      exportOf(
        spanOf({}, { 'enduser.id': longest, 'gen_ai.conversation.id': longest }),
        spanOf({}, { 'user.id': `${longest}u` }),
        spanOf({}, { ...usageAttributes, 'enduser.id': `${longest}u` }),
        spanOf({}, { 'session.id': `${longest}s` }),
      ),
      NOW,
    );
    expect(read.spans.map((s) => [s.userId, s.sessionId])).toEqual([[longest, longest]]);
    expect(read.usageEvents).toEqual([]);
    expect(read.rejected).toEqual([
      { field: '/resourceSpans/0/scopeSpans/0/spans/1/attributes/user.id', message: 'must be at most 256 characters' },
      { field: '/resourceSpans/0/scopeSpans/0/spans/2/attributes/enduser.id', message: 'must be at most 256 characters' },
      { field: '/resourceSpans/0/scopeSpans/0/spans/3/attributes/session.id', message: 'must be at most 256 characters' },
    ]);
    const fromResource = readOtlpSpans(
      { resourceSpans: [{ resource: { attributes: [kv('user.id', `${longest}u`)] }, scopeSpans: [{ spans: [spanOf()] }] }] },
      NOW,
    );
    expect(fromResource.rejected).toEqual([
      { field: '/resourceSpans/0/scopeSpans/0/spans/0', message: 'the resource attribute user.id must be at most 256 characters' },
    ]);
  });

  it('sets prompt and completion text apart as content, never as attributes, cut to the limit', () => {
    const long = 'é'.repeat(TRACE_LIMITS.maxContentBytes);
    const read = readOtlpSpans(
      exportOf(
        spanOf(
          {
            events: [{ name: 'gen_ai.content.completion', timeUnixNano: String(END), attributes: [kv('gen_ai.completion', 'Paris')] }],
          },
          { ...usageAttributes, 'gen_ai.input.messages': long, 'gen_ai.prompt.0.content': 'What is the capital?' },
        ),
      ),
      NOW,
    );
    const [span] = read.spans;
    expect(Object.keys(span.attributes).filter((k) => k.startsWith('gen_ai.prompt') || k.includes('messages'))).toEqual([]);
    expect(span.events).toEqual([]);
    expect(span.content!.truncated).toBe(true);
    expect(Buffer.byteLength(span.content!.input!)).toBeLessThanOrEqual(TRACE_LIMITS.maxContentBytes);
    expect(span.content!.output).toContain('Paris');
  });

  it('categorizes spans by their conventions and hashes tool arguments', () => {
    const read = readOtlpSpans(
      exportOf(
        spanOf(
          { spanId: '0000000000000001' },
          { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search', 'gen_ai.tool.call.arguments': '{"q":"x"}' },
        ),
        spanOf({ spanId: '0000000000000002' }, { 'gen_ai.operation.name': 'invoke_agent' }),
        spanOf({ spanId: '0000000000000003' }, { 'db.system.name': 'postgresql' }),
        spanOf({ spanId: '0000000000000004' }, { 'http.request.method': 'GET' }),
        spanOf({ spanId: '0000000000000005' }, { 'gen_ai.operation.name': 'embeddings' }),
        spanOf({ spanId: '0000000000000006' }),
      ),
      NOW,
    );
    expect(read.spans.map((s) => s.category)).toEqual(['tool', 'agent', 'retrieval', 'http', 'embedding', 'other']);
    expect(read.spans[0].genAi?.toolArgumentsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(read.spans[0])).not.toContain('"q"');
    expect(read.usageEvents).toEqual([]);
  });

  it('takes the category a sender states in llmlab.span.category over the conventions, and ignores an unknown one', () => {
    const read = readOtlpSpans(
      exportOf(
        spanOf({ spanId: '0000000000000001' }, { 'llmlab.span.category': 'retrieval' }),
        spanOf({ spanId: '0000000000000002' }, { 'llmlab.span.category': 'other', 'http.request.method': 'GET' }),
        spanOf({ spanId: '0000000000000003' }, { 'llmlab.span.category': 'tool', 'gen_ai.operation.name': 'execute_tool' }),
        spanOf({ spanId: '0000000000000004' }, { 'llmlab.span.category': 'database', 'db.system.name': 'postgresql' }),
        spanOf({ spanId: '0000000000000005' }, { 'llmlab.span.category': 7 }),
      ),
      NOW,
    );
    expect(read.spans.map((s) => s.category)).toEqual(['retrieval', 'other', 'tool', 'retrieval', 'other']);
  });

  it('bounds attributes and events and records how many attributes were dropped', () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`attr.${i}`, 'v'.repeat(5000)]));
    const events = Array.from({ length: 40 }, (_, i) => ({ name: `e${i}`, timeUnixNano: String(END), attributes: [] }));
    const [span] = readOtlpSpans(exportOf(spanOf({ events }, many)), NOW).spans;
    expect(Object.keys(span.attributes)).toHaveLength(TRACE_LIMITS.maxAttributes);
    expect(span.attributes['llmlab.dropped_attributes']).toBe(100 - (TRACE_LIMITS.maxAttributes - 1));
    expect((span.attributes['attr.0'] as string).length).toBe(TRACE_LIMITS.maxAttributeValueLength);
    expect(span.events).toHaveLength(TRACE_LIMITS.maxEvents);
  });

  it('takes an error status and its exception message', () => {
    const [span] = readOtlpSpans(
      exportOf(
        spanOf({
          status: { code: 2 },
          events: [{ name: 'exception', timeUnixNano: String(END), attributes: [kv('exception.message', 'upstream timed out')] }],
        }),
      ),
      NOW,
    ).spans;
    expect(span).toMatchObject({ status: 'error', statusMessage: 'upstream timed out' });
  });

  it('throws a shape error for what is not an export', () => {
    expect(() => readOtlpSpans({ resourceSpans: {} }, NOW)).toThrow(OtlpShapeError);
    expect(() => readOtlpSpans({ resourceSpans: [{ scopeSpans: [{ spans: ['x'] }] }] }, NOW)).toThrow(OtlpShapeError);
    expect(readOtlpSpans({}, NOW)).toEqual({ spans: [], usageEvents: [], rejected: [], total: 0 });
  });
});
