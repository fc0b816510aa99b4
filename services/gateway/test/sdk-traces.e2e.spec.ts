import Anthropic from '@anthropic-ai/sdk';
import { Decimal } from 'decimal.js';
import OpenAI from 'openai';
import { LLMLab, span, traced, type LLMLabError } from '@llmlab/sdk';
import { createSession, eventually, startPlatformSession, type PlatformSession, type TestSession } from '@llmlab/testing';
import { startFakeAnthropic, type FakeAnthropic } from '../../../libs/sdk/src/testing/fake-anthropic.server';
import { startFakeOpenAI, type FakeOpenAI } from '../../../libs/sdk/src/testing/fake-openai.server';

jest.setTimeout(180_000);

/**
 * List prices per million tokens (OpenAI's and Anthropic's pricing pages), by hand, for the token counts the fake
 * providers answer: gpt-4o-mini 1,200 input of which 1,024 cached, 80 output; claude-haiku-4-5 12 uncached input,
 * 2,048 written to and 4,096 read from the 5-minute cache, 40 output.
 */
const OPENAI_COST = new Decimal(176).times('0.15').plus(new Decimal(1024).times('0.075')).plus(new Decimal(80).times('0.6')).div(1e6);
const ANTHROPIC_COST = new Decimal(12)
  .times('1')
  .plus(new Decimal(2048).times('1.25'))
  .plus(new Decimal(4096).times('0.1'))
  .plus(new Decimal(40).times('5'))
  .div(1e6);

interface SpanRow {
  spanId: string;
  parentSpanId: string | null;
  name: string;
  status: string;
  depth: number;
  cost: { amount: string | null };
  subtreeCost: { amount: string | null };
  usage: { provider: string; model: string } | null;
}

// The SDK's tracing against the real platform, not a fake ingest server: an agent run written with trace(),
// @traced() and span(), instrumented OpenAI and Anthropic clients (the real npm clients, against local servers
// speaking the providers' wire format), one step failing. What the trace routes then show: the tree as the code
// nested it, each model call under the span that made it, priced at list price, counted once in the costs.
describe('the SDK tracing an agent, read back from the platform', () => {
  let session: PlatformSession;
  let tenant: TestSession;
  let other: TestSession;
  let openaiServer: FakeOpenAI;
  let anthropicServer: FakeAnthropic;
  const errors: LLMLabError[] = [];

  beforeAll(async () => {
    [openaiServer, anthropicServer] = await Promise.all([startFakeOpenAI(), startFakeAnthropic()]);
    session = await startPlatformSession({ services: ['gateway', 'auth', 'ingestion'], env: { TRACE_IDLE_MS: '60000' } });
    tenant = await createSession(session.platform.gatewayUrl);
    other = await createSession(session.platform.gatewayUrl);
  }, 180_000);
  afterAll(async () => {
    await session?.stop();
    await Promise.all([openaiServer?.close(), anthropicServer?.close()]);
  }, 60_000);

  it('shows the run as its span tree with each call priced at list price, the failing step marked, counted once', async () => {
    const lab = new LLMLab({
      apiKey: tenant.apiKey.key,
      baseUrl: session.platform.gatewayUrl,
      serviceName: 'support-bot',
      flushOnExit: false,
      onError: (error) => errors.push(error),
    });
    const openai = lab.instrument(new OpenAI({ apiKey: 'sk-test', baseURL: openaiServer.baseURL, maxRetries: 0 }));
    const anthropic = lab.instrument(new Anthropic({ apiKey: 'sk-ant-test', baseURL: anthropicServer.url, maxRetries: 0 }));

    class Planner {
      @traced()
      async plan(question: string) {
        return openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: question }] });
      }
    }
    const sessionId = `conversation-${Date.now()}`;
    await lab.trace(
      'support-agent',
      async () => {
        await new Planner().plan('Where is my order?');
        await span(
          'retrieve',
          async () => {
            const stream = await anthropic.messages.create({
              model: 'claude-haiku-4-5',
              max_tokens: 64,
              messages: [{ role: 'user', content: 'summarise the order history' }],
              stream: true,
            });
            for await (const chunk of stream) void chunk;
          },
          { category: 'retrieval' },
        );
        await span(
          'lookup-order',
          async () => {
            throw new Error('order service unavailable');
          },
          { category: 'tool' },
        ).catch(() => undefined);
      },
      { sessionId, userId: 'customer-42', tags: { feature: 'support' } },
    );
    await lab.shutdown();
    expect(errors).toEqual([]);

    const key = { authorization: `Bearer ${tenant.apiKey.key}` };
    const get = async (path: string, headers = key) => {
      const res = await fetch(`${session.platform.gatewayUrl}${path}`, { headers });
      return { status: res.status, body: (await res.json()) as any };
    };
    const list = await eventually(
      async () => {
        const res = await get(`/v1/projects/${tenant.projectId}/traces?sessionId=${sessionId}`);
        return res.body.data?.length === 1 && res.body.data[0].modelCalls === 2 && res.body.data[0].spanCount === 6 ? res.body : undefined;
      },
      'the trace with both model calls and every span',
      30_000,
    );
    const traceId: string = list.data[0].traceId;
    const total = OPENAI_COST.plus(ANTHROPIC_COST);
    expect(list.data[0]).toMatchObject({ name: 'support-agent', status: 'error', cost: { amount: total.toFixed(12) } });

    const trace = await get(`/v1/projects/${tenant.projectId}/traces/${traceId}`);
    expect(trace.status).toBe(200);
    const spans: SpanRow[] = trace.body.spans;
    const byName = (name: string) => spans.find((s) => s.name === name)!;
    const root = byName('support-agent');
    const planner = byName('Planner.plan');
    const retrieve = byName('retrieve');
    const lookup = byName('lookup-order');
    const [chat, message] = [spans.find((s) => s.usage?.provider === 'openai')!, spans.find((s) => s.usage?.provider === 'anthropic')!];
    // The tree as the code nested it, depth first.
    expect(spans.map((s) => [s.name === chat.name ? 'openai call' : s.name === message.name ? 'anthropic call' : s.name, s.depth])).toEqual(
      [
        ['support-agent', 0],
        ['Planner.plan', 1],
        ['openai call', 2],
        ['retrieve', 1],
        ['anthropic call', 2],
        ['lookup-order', 1],
      ],
    );
    expect([planner.parentSpanId, retrieve.parentSpanId, lookup.parentSpanId]).toEqual([root.spanId, root.spanId, root.spanId]);
    expect([chat.parentSpanId, message.parentSpanId]).toEqual([planner.spanId, retrieve.spanId]);
    expect(lookup.status).toBe('error');
    expect(chat.cost.amount).toBe(OPENAI_COST.toFixed(12));
    expect(message.cost.amount).toBe(ANTHROPIC_COST.toFixed(12));
    expect([planner.subtreeCost.amount, retrieve.subtreeCost.amount, root.subtreeCost.amount]).toEqual([
      OPENAI_COST.toFixed(12),
      ANTHROPIC_COST.toFixed(12),
      total.toFixed(12),
    ]);

    const sessionView = await get(`/v1/projects/${tenant.projectId}/sessions/${sessionId}`);
    expect(sessionView.body.traceList.map((t: { traceId: string }) => t.traceId)).toEqual([traceId]);
    // Each model call once in the costs, though the SDK sent a usage event and a span for it.
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const summary = await get(`/v1/projects/${tenant.projectId}/costs/summary?from=${encodeURIComponent(from)}`);
    expect(summary.body.current).toMatchObject({ requests: 2, cost: { amount: total.toFixed(12) } });

    // Another project's key sees no such trace.
    const foreign = await get(`/v1/projects/${other.projectId}/traces/${traceId}`, { authorization: `Bearer ${other.apiKey.key}` });
    expect(foreign.status).toBe(404);
  });
});
