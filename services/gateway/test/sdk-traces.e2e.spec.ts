import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { Money, sumMoney, toMoneyString } from '@llmlab/domain';
import { LLMLab, span, traced, type LLMLabError } from '@llmlab/sdk';
import { createSession, eventually, startPlatformSession, type PlatformSession, type TestSession } from '@llmlab/testing';
import { MESSAGE_MODEL, MESSAGE_USAGE, startFakeAnthropic, type FakeAnthropic } from '../../../libs/sdk/src/testing/fake-anthropic.server';
import { CHAT_MODEL, CHAT_USAGE, startFakeOpenAI, type FakeOpenAI } from '../../../libs/sdk/src/testing/fake-openai.server';

jest.setTimeout(180_000);

interface Tokens {
  input: number;
  output: number;
  cachedInput: number;
  cacheWrite: number;
  reasoning: number;
  total: number;
}
interface Rates {
  input: string;
  output: string;
  cachedInput?: string;
  cacheWrite?: string;
  reasoning?: string;
}
interface PriceEntry {
  id: string;
  provider: string;
  model: string;
  rates: Rates;
  tiers?: unknown[];
}
interface SpanRow {
  spanId: string;
  parentSpanId: string | null;
  name: string;
  status: string;
  statusMessage: string | null;
  depth: number;
  category: string;
  serviceName: string | null;
  events: { name: string; attributes: Record<string, unknown> }[];
  cost: { amount: string };
  subtreeCost: { amount: string };
  usage: {
    provider: string;
    model: string;
    tokens: Tokens;
    cost: { amount: string } | null;
    costStatus: string;
    priceEntryId: string | null;
  } | null;
}

/** The token counts the fake providers answer, in the platform's convention (input counts every input token). */
const OPENAI_TOKENS: Tokens = {
  input: CHAT_USAGE.prompt_tokens,
  output: CHAT_USAGE.completion_tokens,
  cachedInput: CHAT_USAGE.prompt_tokens_details.cached_tokens,
  cacheWrite: 0,
  reasoning: CHAT_USAGE.completion_tokens_details.reasoning_tokens,
  total: CHAT_USAGE.total_tokens,
};
// Anthropic's input_tokens leaves out the cache reads and writes.
const ANTHROPIC_INPUT = MESSAGE_USAGE.input_tokens + MESSAGE_USAGE.cache_creation_input_tokens + MESSAGE_USAGE.cache_read_input_tokens;
const ANTHROPIC_TOKENS: Tokens = {
  input: ANTHROPIC_INPUT,
  output: MESSAGE_USAGE.output_tokens,
  cachedInput: MESSAGE_USAGE.cache_read_input_tokens,
  cacheWrite: MESSAGE_USAGE.cache_creation.ephemeral_5m_input_tokens,
  reasoning: 0,
  total: ANTHROPIC_INPUT + MESSAGE_USAGE.output_tokens,
};

/**
 * USD per million tokens as OpenAI's and Anthropic's pricing pages list them, by hand: the catalog's entries must
 * say the same, so a wrong seed fails here rather than passing through into both sides of the cost check.
 */
const LIST_PRICES: Record<string, Rates> = {
  'gpt-4o-mini': { input: '0.15', cachedInput: '0.075', output: '0.6' },
  'claude-haiku-4-5': { input: '1', cachedInput: '0.1', cacheWrite: '1.25', output: '5' },
};

/**
 * A call's cost from a catalog entry's rates (USD per million tokens), computed here with the domain's decimal:
 * uncached input, cache reads, cache writes and output each at their rate; reasoning is output unless priced apart.
 */
function listCost(tokens: Tokens, rates: Rates): string {
  const per = (count: number, rate: string | undefined) => new Money(count).times(rate ?? rates.input);
  const uncached = tokens.input - tokens.cachedInput - tokens.cacheWrite;
  const reasoning = rates.reasoning ? tokens.reasoning : 0;
  return toMoneyString(
    per(uncached, rates.input)
      .plus(per(tokens.cachedInput, rates.cachedInput))
      .plus(per(tokens.cacheWrite, rates.cacheWrite))
      .plus(per(tokens.output - reasoning, rates.output))
      .plus(per(reasoning, rates.reasoning))
      .dividedBy(1_000_000),
  );
}

const addTokens = (a: Tokens, b: Tokens): Tokens => ({
  input: a.input + b.input,
  output: a.output + b.output,
  cachedInput: a.cachedInput + b.cachedInput,
  cacheWrite: a.cacheWrite + b.cacheWrite,
  reasoning: a.reasoning + b.reasoning,
  total: a.total + b.total,
});

// The SDK's tracing against the real platform, not a fake ingest server: an agent run written with trace(),
// @traced() and span(), instrumented OpenAI and Anthropic clients (the real npm clients, against local servers
// speaking the providers' wire format), one step failing. What the trace routes then show: the tree as the code
// nested it, each model call under the span that made it with the tokens the provider reported, priced at the
// catalog's list price, the failing step marked, each call counted once, nobody else's key let in.
describe('the SDK tracing an agent, read back from the platform', () => {
  let session: PlatformSession;
  let tenant: TestSession;
  let outsider: TestSession;
  let sibling: { projectId: string; key: string };
  let openaiServer: FakeOpenAI;
  let anthropicServer: FakeAnthropic;
  const errors: LLMLabError[] = [];
  const sessionId = `conversation-${Date.now()}`;
  let traceId: string;
  let spans: SpanRow[];
  let entries: { openai: PriceEntry; anthropic: PriceEntry };
  let openaiCost: string;
  let anthropicCost: string;
  let totalCost: string;

  const get = (path: string, key = tenant.apiKey.key) =>
    fetch(`${session.platform.gatewayUrl}${path}`, { headers: { authorization: `Bearer ${key}` } }).then(async (res) => ({
      status: res.status,
      body: (await res.json()) as any,
    }));
  const byName = (name: string) => spans.find((s) => s.name === name)!;
  const callOf = (provider: string) => spans.find((s) => s.usage?.provider === provider)!;

  /** The run: a root trace, a decorated step that asks OpenAI, a retrieval span that streams from Anthropic, a tool that throws. */
  async function runAgent(lab: LLMLab) {
    const openai = lab.instrument(new OpenAI({ apiKey: 'sk-test', baseURL: openaiServer.baseURL, maxRetries: 0 }));
    const anthropic = lab.instrument(new Anthropic({ apiKey: 'sk-ant-test', baseURL: anthropicServer.url, maxRetries: 0 }));
    class Planner {
      @traced()
      async plan(question: string) {
        return openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: question }] });
      }
    }
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
        await expect(
          span(
            'lookup-order',
            async () => {
              throw new Error('order service unavailable');
            },
            { category: 'tool' },
          ),
        ).rejects.toThrow('order service unavailable');
      },
      { sessionId, userId: 'customer-42', tags: { feature: 'support' } },
    );
  }

  beforeAll(async () => {
    [openaiServer, anthropicServer] = await Promise.all([startFakeOpenAI(), startFakeAnthropic()]);
    session = await startPlatformSession({ services: ['gateway', 'auth', 'ingestion'], env: { TRACE_IDLE_MS: '60000' } });
    tenant = await createSession(session.platform.gatewayUrl);
    outsider = await createSession(session.platform.gatewayUrl);
    // A second project of the same organization, with a key of its own.
    const project = await tenant.agent.post(`/v1/organizations/${tenant.organizationId}/projects`, { name: 'Other project' });
    const key = await tenant.agent.post(`/v1/projects/${project.body.id}/api-keys`, { name: 'other key', scopes: ['admin'] });
    expect([project.status, key.status]).toEqual([201, 201]);
    sibling = { projectId: project.body.id, key: key.body.key };

    // The list prices, from the catalog's entries for the two models (what the platform's own answers are checked against).
    const entry = async (provider: string, model: string) => {
      const page = await get(`/v1/pricing/models?provider=${provider}&search=${model}&limit=100`);
      expect(page.status).toBe(200);
      const found = (page.body.data as PriceEntry[]).find((e) => e.model === model);
      expect(found).toMatchObject({ rates: LIST_PRICES[model] });
      expect(found!.tiers ?? []).toEqual([]);
      return found!;
    };
    entries = { openai: await entry('openai', 'gpt-4o-mini'), anthropic: await entry('anthropic', 'claude-haiku-4-5') };
    openaiCost = listCost(OPENAI_TOKENS, entries.openai.rates);
    anthropicCost = listCost(ANTHROPIC_TOKENS, entries.anthropic.rates);
    totalCost = sumMoney([openaiCost, anthropicCost]);

    const lab = new LLMLab({
      apiKey: tenant.apiKey.key,
      baseUrl: session.platform.gatewayUrl,
      serviceName: 'support-bot',
      flushOnExit: false,
      onError: (error) => errors.push(error),
    });
    await runAgent(lab);
    await lab.shutdown();

    const list = await eventually(
      async () => {
        const res = await get(`/v1/projects/${tenant.projectId}/traces?sessionId=${sessionId}`);
        const [trace] = res.body.data ?? [];
        return res.body.data?.length === 1 && trace.modelCalls === 2 && trace.spanCount === 6 ? trace : undefined;
      },
      'the trace with both model calls and every span',
      30_000,
    );
    traceId = list.traceId;
    const view = await get(`/v1/projects/${tenant.projectId}/traces/${traceId}`);
    expect(view.status).toBe(200);
    spans = view.body.spans;
  }, 180_000);
  afterAll(async () => {
    await session?.stop();
    await Promise.all([openaiServer?.close(), anthropicServer?.close()]);
  }, 60_000);

  it('delivered every span and usage event without an error', () => {
    expect(errors).toEqual([]);
  });

  it('lists the run in its session as one errored trace with both calls, their tokens and their cost', async () => {
    const res = await get(`/v1/projects/${tenant.projectId}/traces?sessionId=${sessionId}`);
    expect(res.body.data).toEqual([
      expect.objectContaining({
        traceId,
        name: 'support-agent',
        status: 'error',
        spanCount: 6,
        modelCalls: 2,
        unpriced: 0,
        sessionId,
        userId: 'customer-42',
        tokens: addTokens(OPENAI_TOKENS, ANTHROPIC_TOKENS),
        cost: { amount: totalCost, currency: 'USD' },
      }),
    ]);
  });

  it('shows the tree as the code nested it, each model call under the span that made it', () => {
    const [root, planner, retrieve, lookup] = ['support-agent', 'Planner.plan', 'retrieve', 'lookup-order'].map(byName);
    const [chat, message] = [callOf('openai'), callOf('anthropic')];
    const label = (s: SpanRow) => (s === chat ? 'openai call' : s === message ? 'anthropic call' : s.name);
    // Depth first, siblings by start time.
    expect(spans.map((s) => [label(s), s.depth])).toEqual([
      ['support-agent', 0],
      ['Planner.plan', 1],
      ['openai call', 2],
      ['retrieve', 1],
      ['anthropic call', 2],
      ['lookup-order', 1],
    ]);
    expect(root.parentSpanId).toBeNull();
    expect([planner, retrieve, lookup].map((s) => s.parentSpanId)).toEqual([root.spanId, root.spanId, root.spanId]);
    expect([chat.parentSpanId, message.parentSpanId]).toEqual([planner.spanId, retrieve.spanId]);
    expect([retrieve.category, lookup.category]).toEqual(['retrieval', 'tool']);
    expect([root, planner, retrieve, lookup].map((s) => s.serviceName)).toEqual(Array(4).fill('support-bot'));
  });

  it('carries the tokens each provider reported and prices each call at its list price', () => {
    const [chat, message] = [callOf('openai'), callOf('anthropic')];
    // The dated model ids the providers answered with, priced by the catalog entries of their models.
    expect(chat.usage).toMatchObject({
      model: CHAT_MODEL,
      tokens: OPENAI_TOKENS,
      costStatus: 'priced',
      priceEntryId: entries.openai.id,
      cost: { amount: openaiCost },
    });
    expect(message.usage).toMatchObject({
      model: MESSAGE_MODEL,
      tokens: ANTHROPIC_TOKENS,
      costStatus: 'priced',
      priceEntryId: entries.anthropic.id,
      cost: { amount: anthropicCost },
    });
    expect([chat.cost.amount, message.cost.amount]).toEqual([openaiCost, anthropicCost]);
    // Each span's subtree holds its descendants' calls; the root the sum of both.
    const subtree = (name: string) => byName(name).subtreeCost.amount;
    expect([subtree('Planner.plan'), subtree('retrieve'), subtree('lookup-order'), subtree('support-agent')]).toEqual([
      openaiCost,
      anthropicCost,
      toMoneyString(0),
      totalCost,
    ]);
  });

  it('marks the step that threw as an error, with its exception, and only that one', () => {
    const lookup = byName('lookup-order');
    expect(lookup).toMatchObject({ status: 'error', statusMessage: 'order service unavailable' });
    expect(lookup.events).toContainEqual(
      expect.objectContaining({
        name: 'exception',
        attributes: expect.objectContaining({ 'exception.message': 'order service unavailable' }),
      }),
    );
    expect(spans.filter((s) => s.status === 'error').map((s) => s.name)).toEqual(['lookup-order']);
  });

  it('shows the trace in its session, with the session totals', async () => {
    const res = await get(`/v1/projects/${tenant.projectId}/sessions/${sessionId}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      sessionId,
      userId: 'customer-42',
      traces: 1,
      modelCalls: 2,
      tokens: addTokens(OPENAI_TOKENS, ANTHROPIC_TOKENS),
      cost: { amount: totalCost },
    });
    expect(res.body.traceList.map((t: { traceId: string }) => t.traceId)).toEqual([traceId]);
  });

  it('counts each model call once in the costs, though the SDK sent a usage event and spans for the run', async () => {
    const from = encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString());
    const summary = await get(`/v1/projects/${tenant.projectId}/costs/summary?from=${from}`);
    expect(summary.status).toBe(200);
    expect(summary.body.current).toMatchObject({
      requests: 2,
      unpriced: 0,
      tokens: addTokens(OPENAI_TOKENS, ANTHROPIC_TOKENS),
      cost: { amount: totalCost },
    });
  });

  it("keeps the trace from another project's key, in the same organization or another: 404", async () => {
    expect((await get(`/v1/projects/${sibling.projectId}/traces/${traceId}`, sibling.key)).status).toBe(404);
    expect((await get(`/v1/projects/${tenant.projectId}/traces/${traceId}`, sibling.key)).status).toBe(404);
    const foreign = await get(`/v1/projects/${outsider.projectId}/traces/${traceId}`, outsider.apiKey.key);
    expect(foreign.status).toBe(404);
    const sideways = await get(`/v1/projects/${tenant.projectId}/traces/${traceId}`, outsider.apiKey.key);
    expect(sideways.status).toBe(404);
    const sessionView = await get(`/v1/projects/${outsider.projectId}/sessions/${sessionId}`, outsider.apiKey.key);
    expect(sessionView.status).toBe(404);
  });
});
