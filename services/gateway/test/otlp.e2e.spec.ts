import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { Decimal } from 'decimal.js';
import { context, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import {
  createSession,
  eventually,
  expectProblem,
  genAiChatSpan,
  otlpAttribute,
  otlpJson,
  startPlatformSession,
  usageEvent,
  type PlatformSession,
  type TestSession,
} from '@llmlab/testing';

jest.setTimeout(120_000);

const DAY = 86_400_000;

/**
 * List prices per million tokens as the providers publish them (OpenAI's and Anthropic's pricing pages), written
 * here by hand so that the platform's pricing is checked against figures it did not compute.
 */
const LIST_PRICES = {
  'gpt-4o-mini': { input: '0.15', cachedInput: '0.075', cacheWrite: '0', output: '0.6' },
  'claude-haiku-4-5': { input: '1', cachedInput: '0.1', cacheWrite: '1.25', output: '5' },
} as const;

function listCost(model: keyof typeof LIST_PRICES, t: { input: number; cached?: number; written?: number; output: number }): string {
  const p = LIST_PRICES[model];
  const cached = t.cached ?? 0;
  const written = t.written ?? 0;
  return new Decimal(t.input - cached - written)
    .times(p.input)
    .plus(new Decimal(cached).times(p.cachedInput))
    .plus(new Decimal(written).times(p.cacheWrite))
    .plus(new Decimal(t.output).times(p.output))
    .dividedBy(1_000_000)
    .toFixed(12);
}

interface UsageRow {
  id: string;
  provider: string;
  model: string;
  traceId: string | null;
  spanId: string | null;
  status: string;
  usage: { inputTokens: number; outputTokens: number; cachedInputTokens: number; cacheWriteTokens: number };
  cost: { amount: string | null; status: string };
}

// OpenTelemetry intake end to end: the real OpenTelemetry JavaScript SDK exporting GenAI spans (protobuf and
// JSON, gzip and not) to POST /v1/otlp/v1/traces, through INGEST and the ledger, read back as priced usage records.
describe('OTLP/HTTP trace intake', () => {
  let session: PlatformSession;
  let tenant: TestSession;
  const otlpUrl = () => `${session.platform.gatewayUrl}/v1/otlp/v1/traces`;

  beforeAll(async () => {
    session = await startPlatformSession();
    await session.platform.waitForReadiness(200, 60_000);
    tenant = await createSession(session.platform.gatewayUrl);
  }, 120_000);

  afterAll(async () => {
    await session?.stop();
  }, 60_000);

  const records = async (s: TestSession): Promise<UsageRow[]> => {
    const from = encodeURIComponent(new Date(Date.now() - DAY).toISOString());
    const to = encodeURIComponent(new Date(Date.now() + 600_000).toISOString());
    const res = await s.keyAgent.get(`/v1/projects/${s.projectId}/usage?from=${from}&to=${to}&limit=1000`);
    expect(res.status).toBe(200);
    return res.body.data as UsageRow[];
  };

  const recordsOfTrace = (s: TestSession, traceId: string, count: number) =>
    eventually(
      async () => {
        const rows = (await records(s)).filter((r) => r.traceId === traceId);
        return rows.length >= count ? rows : undefined;
      },
      `${count} usage records of trace ${traceId}`,
      20_000,
    );

  /** An agent run as an instrumented application exports it: an agent span, a model call of each provider, a tool. */
  async function exportAgentRun(exporter: SpanExporter): Promise<{ traceId: string; openaiSpan: string; anthropicSpan: string }> {
    const provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'support-agent' }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer: Tracer = provider.getTracer('otlp-e2e');
    const ids = { traceId: '', openaiSpan: '', anthropicSpan: '' };
    const root = tracer.startSpan('answer ticket', {
      attributes: { 'gen_ai.operation.name': 'invoke_agent', 'session.id': 'sess-42', 'user.id': 'u-7', 'llmlab.tag.feature': 'support' },
    });
    ids.traceId = root.spanContext().traceId;
    const inRoot = trace.setSpan(context.active(), root);
    const child = (name: string, attributes: Record<string, string | number>, end: (s: Span) => void = () => undefined) => {
      const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, inRoot);
      end(span);
      span.end();
      return span.spanContext().spanId;
    };
    ids.openaiSpan = child('chat gpt-4o-mini', {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 2000,
      'gen_ai.usage.output_tokens': 100,
      'gen_ai.usage.cache_read.input_tokens': 1024,
      'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"my card was charged twice"}]}]',
    });
    child('execute_tool lookup_order', {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'lookup_order',
      'gen_ai.tool.call.arguments': '{"order":"A-1"}',
    });
    // Anthropic's raw usage, as some instrumentations copy it: input_tokens without the cache reads and writes.
    ids.anthropicSpan = child(
      'chat claude-haiku-4-5',
      {
        'gen_ai.operation.name': 'chat',
        'gen_ai.system': 'anthropic',
        'gen_ai.request.model': 'claude-haiku-4-5',
        'gen_ai.usage.input_tokens': 300,
        'gen_ai.usage.cache_read_input_tokens': 500,
        'gen_ai.usage.cache_creation_input_tokens': 200,
        'gen_ai.usage.output_tokens': 50,
      },
      (s) => s.setStatus({ code: SpanStatusCode.OK }),
    );
    root.end();
    await provider.forceFlush();
    await provider.shutdown();
    return ids;
  }

  const exporters: [string, () => SpanExporter][] = [
    [
      'protobuf, gzip',
      () =>
        new ProtoTraceExporter({
          url: otlpUrl(),
          headers: { authorization: `Bearer ${tenant.apiKey.key}` },
          compression: CompressionAlgorithm.GZIP,
        }),
    ],
    ['JSON', () => new JsonTraceExporter({ url: otlpUrl(), headers: { 'x-api-key': tenant.apiKey.key } })],
  ];

  it.each(exporters)('prices the GenAI spans the OpenTelemetry SDK exports (%s) at list price', async (_encoding, exporter) => {
    const { traceId, openaiSpan, anthropicSpan } = await exportAgentRun(exporter());
    const rows = await recordsOfTrace(tenant, traceId, 2);
    expect(rows).toHaveLength(2);
    const openai = rows.find((r) => r.spanId === openaiSpan)!;
    expect(openai).toMatchObject({
      id: `otel:${traceId}:${openaiSpan}`,
      provider: 'openai',
      model: 'gpt-4o-mini',
      usage: { inputTokens: 2000, outputTokens: 100, cachedInputTokens: 1024, cacheWriteTokens: 0 },
      cost: { status: 'priced' },
    });
    expect(new Decimal(openai.cost.amount!).toFixed(12)).toBe(listCost('gpt-4o-mini', { input: 2000, cached: 1024, output: 100 }));
    const anthropic = rows.find((r) => r.spanId === anthropicSpan)!;
    // 300 + 500 + 200: the cache counts exceed input_tokens, so the sender had left them out.
    expect(anthropic.usage).toMatchObject({ inputTokens: 1000, cachedInputTokens: 500, cacheWriteTokens: 200, outputTokens: 50 });
    expect(new Decimal(anthropic.cost.amount!).toFixed(12)).toBe(
      listCost('claude-haiku-4-5', { input: 1000, cached: 500, written: 200, output: 50 }),
    );
  });

  it('counts a call once when it comes both as a span and as a usage event', async () => {
    const { traceId, openaiSpan } = await exportAgentRun(exporters[1][1]());
    await recordsOfTrace(tenant, traceId, 2);
    const sdkEvent = usageEvent({ traceId, spanId: openaiSpan, model: 'gpt-4o-mini', usage: { inputTokens: 2000, outputTokens: 100 } });
    const sent = await tenant.keyAgent.post('/v1/usage', { events: [sdkEvent] });
    expect(sent.status).toBe(202);
    // Another event of the same trace but its own span is a call of its own.
    const other = usageEvent({ traceId, spanId: randomBytes(8).toString('hex'), model: 'gpt-4o-mini' });
    expect((await tenant.keyAgent.post('/v1/usage', { events: [other] })).status).toBe(202);
    await recordsOfTrace(tenant, traceId, 3);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const rows = (await records(tenant)).filter((r) => r.traceId === traceId);
    expect(rows.filter((r) => r.spanId === openaiSpan)).toHaveLength(1);
    expect(rows).toHaveLength(3);
  });

  it('keeps the same trace id of two projects apart', async () => {
    const other = await createSession(session.platform.gatewayUrl);
    const body = (spanId: string, input: number) =>
      otlpJson([genAiChatSpan({ traceId: 'ab'.repeat(16), spanId, model: 'gpt-4o-mini', input, output: 1 })]);
    expect((await postJson(tenant.apiKey.key, body('0a'.repeat(8), 10))).status).toBe(200);
    expect((await postJson(other.apiKey.key, body('0a'.repeat(8), 20))).status).toBe(200);
    const mine = await recordsOfTrace(tenant, 'ab'.repeat(16), 1);
    const theirs = await recordsOfTrace(other, 'ab'.repeat(16), 1);
    expect(mine.map((r) => r.usage.inputTokens)).toEqual([10]);
    expect(theirs.map((r) => r.usage.inputTokens)).toEqual([20]);
  });

  it('answers partialSuccess naming the rejected spans and keeps the others', async () => {
    const traceId = randomBytes(16).toString('hex');
    const good = genAiChatSpan({ traceId, spanId: randomBytes(8).toString('hex'), model: 'gpt-4o-mini', input: 5, output: 5 });
    const res = await postJson(
      tenant.apiKey.key,
      otlpJson([
        good,
        { ...good, spanId: randomBytes(8).toString('hex'), traceId: 'abc' },
        {
          ...good,
          spanId: randomBytes(8).toString('hex'),
          attributes: [...good.attributes, otlpAttribute('gen_ai.usage.output_tokens', -3)],
        },
      ]),
    );
    expect(res.status).toBe(200);
    expect(res.body.partialSuccess.rejectedSpans).toBe(2);
    expect(res.body.partialSuccess.errorMessage).toContain(
      '/resourceSpans/0/scopeSpans/0/spans/1/traceId: must be 32 hexadecimal characters',
    );
    expect(res.body.partialSuccess.errorMessage).toContain('/resourceSpans/0/scopeSpans/0/spans/2/attributes/gen_ai.usage.output_tokens');
    expect((await recordsOfTrace(tenant, traceId, 1)).map((r) => r.spanId)).toEqual([good.spanId]);
  });

  it('answers a protobuf request in protobuf, and refuses what is not an export', async () => {
    const empty = await fetch(otlpUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'x-api-key': tenant.apiKey.key },
      body: new Uint8Array(0),
    });
    expect(empty.status).toBe(200);
    expect(empty.headers.get('content-type')).toContain('application/x-protobuf');
    expect((await empty.arrayBuffer()).byteLength).toBe(0);

    const garbage = await fetch(otlpUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'x-api-key': tenant.apiKey.key },
      body: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]),
    });
    expect(garbage.status).toBe(400);

    expect((await postJson(tenant.apiKey.key, '{"resourceSpans": {}}')).status).toBe(400);
    const notGzip = await fetch(otlpUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-api-key': tenant.apiKey.key },
      body: '{"resourceSpans": []}',
    });
    expect(notGzip.status).toBe(400);
    const text = await fetch(otlpUrl(), {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-api-key': tenant.apiKey.key },
      body: 'spans',
    });
    expect(text.status).toBe(415);
    const brotli = await fetch(otlpUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'br', 'x-api-key': tenant.apiKey.key },
      body: '{}',
    });
    expect(brotli.status).toBe(415);
  });

  it('refuses bodies over the limit, compressed or inflated, with 413', async () => {
    // The gateway answers 413 from the Content-Length alone and closes without reading the body: a client that is
    // still writing then meets a closed socket (EPIPE) before it reads the answer. So the headers go first, and the
    // body only if no answer came (it would be read then, a chunk at a time).
    const big = Buffer.alloc(5 * 1024 * 1024, 0x20);
    const plain = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(otlpUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': big.length, 'x-api-key': tenant.apiKey.key },
      });
      let answered = false;
      req.on('response', (res) => {
        answered = true;
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', (err) => (answered ? undefined : reject(err)));
      const CHUNK = 64 * 1024;
      const write = (offset: number) => {
        if (answered || offset >= big.length) return;
        if (req.write(big.subarray(offset, offset + CHUNK))) setImmediate(() => write(offset + CHUNK));
        else req.once('drain', () => write(offset + CHUNK));
      };
      req.flushHeaders();
      setTimeout(() => write(0), 500);
    });
    expect(plain).toBe(413);
    // 64 MiB of spaces gzip to about 64 KiB: inflated only up to the limit.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const inflated = await fetch(otlpUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-api-key': tenant.apiKey.key },
      body: bomb,
    });
    expect(inflated.status).toBe(413);
    const many = Array.from({ length: 10_001 }, () => ({ name: 'x' }));
    const tooMany = await postJson(tenant.apiKey.key, JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: many }] }] }));
    expectProblem(tooMany, 413, 'PAYLOAD_TOO_LARGE', '/resourceSpans');
  });

  it('takes only API keys with the ingest scope', async () => {
    const body = otlpJson([]);
    expect((await fetch(otlpUrl(), { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status).toBe(401);
    const asUser = await fetch(otlpUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.accessToken}` },
      body,
    });
    expect(asUser.status).toBe(403);
    expect((await postJson(`${tenant.apiKey.key.slice(0, -2)}xx`, body)).status).toBe(401);
  });

  async function postJson(key: string, body: string) {
    const res = await fetch(otlpUrl(), { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  }
});
