// `npm run demo`: shows LLMLab end to end against the running platform (`npm start`; LLMLAB_URL, default
// http://localhost:3000). Through the API it signs a demo account up with a project and an API key; it starts a
// local fake provider speaking the OpenAI and Anthropic wire formats; it drives a mix of calls (providers, models,
// cached tokens, reasoning, errors, streams, tags, end users) through the real `openai` and `@anthropic-ai/sdk`
// clients instrumented by @llmlab/sdk; then it waits until the costs show them and prints the summary and the top
// breakdowns. Nothing leaves this machine: the providers are fakes.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { Decimal } from 'decimal.js';
import { createApiClient, LLMLab, withContext, type ApiClient, type ApiSchemas } from '@llmlab/sdk';
import { startFakeAnthropic, type AnthropicAnswer } from '../libs/sdk/src/testing/fake-anthropic.server';
import { startFakeOpenAI, type OpenAIAnswer } from '../libs/sdk/src/testing/fake-openai.server';

const baseUrl = (process.env.LLMLAB_URL ?? 'http://localhost:3000').replace(/\/+$/, '');

/** A small seeded generator, so that two runs drive the same mix. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)],
    chance: (p: number) => next() < p,
  };
}
const rng = random(42);

// End users: a few heavy ones, a long tail, as usage usually looks.
const USERS = Array.from({ length: 12 }, (_, i) => `user-${String(i + 1).padStart(3, '0')}`);
const someUser = () => USERS[Math.min(USERS.length - 1, Math.floor(USERS.length * rng.next() ** 2))];

const openaiAnswer: OpenAIAnswer = ({ operation, body }) => {
  const model = String(body.model);
  if (operation === 'embeddings') {
    const tokens = rng.int(200, 2_000);
    return { model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
  }
  const input = rng.int(600, 6_000);
  const cached = rng.chance(0.5) ? Math.floor(input * rng.next() * 0.8) : 0;
  const output = rng.int(40, 900);
  const reasoning = model.startsWith('o') ? Math.floor(output * 0.6) : 0;
  if (operation === 'responses') {
    return {
      model,
      usage: {
        input_tokens: input,
        input_tokens_details: { cached_tokens: cached },
        output_tokens: output,
        output_tokens_details: { reasoning_tokens: reasoning },
        total_tokens: input + output,
      },
    };
  }
  return {
    model,
    usage: {
      prompt_tokens: input,
      completion_tokens: output,
      total_tokens: input + output,
      prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: reasoning,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
  };
};

const anthropicAnswer: AnthropicAnswer = (body) => {
  // Anthropic reports cache reads and writes beside input_tokens; the SDK adds them back into inputTokens.
  const written = rng.chance(0.3) ? rng.int(1_000, 4_000) : 0;
  const read = !written && rng.chance(0.6) ? rng.int(2_000, 12_000) : 0;
  return {
    model: String(body.model),
    usage: {
      input_tokens: rng.int(20, 1_500),
      cache_creation_input_tokens: written,
      cache_read_input_tokens: read,
      cache_creation: { ephemeral_5m_input_tokens: written, ephemeral_1h_input_tokens: 0 },
      output_tokens: rng.int(30, 1_200),
      service_tier: 'standard',
    },
  };
};

async function must<T>(what: string, call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (data === undefined) throw new Error(`${what}: ${response.status} ${JSON.stringify(error)}`);
  return data;
}

async function createDemoTenant(anonymous: ApiClient) {
  const suffix = Date.now().toString(36);
  const email = `demo-${suffix}@example.com`;
  const password = `demo-${suffix}-password`;
  const signup = await must(
    'signup',
    anonymous.POST('/v1/auth/signup', { body: { email, password, name: 'Demo User', organizationName: 'Demo organization' } }),
  );
  const user = createApiClient({ baseUrl, accessToken: signup.accessToken });
  const project = await must(
    'project creation',
    user.POST('/v1/organizations/{orgId}/projects', {
      params: { path: { orgId: signup.organization.id } },
      body: { name: 'Demo support bot' },
    }),
  );
  const key = await must(
    'API key creation',
    user.POST('/v1/projects/{projectId}/api-keys', {
      params: { path: { projectId: project.id } },
      body: { name: 'demo', scopes: ['ingest', 'read'] },
    }),
  );
  return { email, password, organizationId: signup.organization.id, project, key };
}

interface Scenario {
  weight: number;
  feature: string;
  run: () => Promise<unknown>;
}

async function driveCalls(llmlab: LLMLab, openaiUrl: string, anthropicUrl: string, calls: number) {
  // No client retries: a refused call is recorded as the error it is.
  const openai = llmlab.instrument(new OpenAI({ baseURL: openaiUrl, apiKey: 'sk-demo', maxRetries: 0 }), { tags: { app: 'support-bot' } });
  const deepseek = llmlab.instrument(new OpenAI({ baseURL: openaiUrl, apiKey: 'sk-demo', maxRetries: 0 }), {
    provider: 'deepseek',
    tags: { app: 'support-bot' },
  });
  const anthropic = llmlab.instrument(new Anthropic({ baseURL: anthropicUrl, apiKey: 'sk-ant-demo', maxRetries: 0 }), {
    tags: { app: 'support-bot' },
  });
  const messages = [{ role: 'user' as const, content: 'Where is my order?' }];
  const drain = async (stream: AsyncIterable<unknown>) => {
    for await (const chunk of stream) void chunk;
  };

  const scenarios: Scenario[] = [
    { weight: 30, feature: 'support-chat', run: () => openai.chat.completions.create({ model: 'gpt-4o-mini', messages }) },
    {
      weight: 12,
      feature: 'support-chat',
      run: async () => drain(await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })),
    },
    { weight: 8, feature: 'research', run: () => openai.responses.create({ model: 'gpt-4.1', input: 'Summarise the refund policy' }) },
    {
      weight: 5,
      feature: 'research',
      run: async () => drain(await openai.responses.create({ model: 'gpt-4.1', input: 'Compare plans', stream: true })),
    },
    { weight: 6, feature: 'planning', run: () => openai.chat.completions.create({ model: 'o4-mini', messages }) },
    { weight: 14, feature: 'search', run: () => openai.embeddings.create({ model: 'text-embedding-3-small', input: 'order status' }) },
    { weight: 8, feature: 'translation', run: () => deepseek.chat.completions.create({ model: 'deepseek-chat', messages }) },
    {
      weight: 10,
      feature: 'coding-assistant',
      run: () => anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 1024, messages }),
    },
    {
      weight: 6,
      feature: 'coding-assistant',
      run: async () => drain(await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 1024, messages, stream: true })),
    },
    { weight: 12, feature: 'summaries', run: () => anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 512, messages }) },
    { weight: 2, feature: 'escalations', run: () => anthropic.messages.create({ model: 'claude-opus-4-6', max_tokens: 2048, messages }) },
  ];
  const total = scenarios.reduce((n, s) => n + s.weight, 0);
  const pickScenario = () => {
    let roll = rng.next() * total;
    return scenarios.find((s) => (roll -= s.weight) < 0) ?? scenarios[0];
  };

  const outcome = { calls: 0, failures: 0 };
  for (let i = 0; i < calls; i++) {
    const scenario = pickScenario();
    // About one call in twelve fails the way providers do: rate limits, overload, a server error.
    if (rng.chance(1 / 12)) {
      if (scenario.feature === 'coding-assistant' || scenario.feature === 'summaries' || scenario.feature === 'escalations') {
        fakes.anthropic.failNext({ status: 529, type: 'overloaded_error', message: 'Overloaded' });
      } else {
        fakes.openai.failNext(
          rng.chance(0.7)
            ? { status: 429, type: 'requests', message: 'Rate limit reached', code: 'rate_limit_exceeded' }
            : { status: 500, type: 'server_error', message: 'The server had an error' },
        );
      }
    }
    outcome.calls++;
    await withContext({ userId: someUser(), tags: { feature: scenario.feature, env: 'production' } }, scenario.run).catch(
      () => outcome.failures++,
    );
  }
  // A model served in-house: no public price, so it is counted as unpriced until the organization sets one.
  for (let i = 0; i < 4; i++) {
    llmlab.record({
      provider: 'acme',
      model: 'acme-llm-7b',
      latencyMs: rng.int(200, 900),
      usage: { inputTokens: rng.int(500, 2_000), outputTokens: rng.int(50, 300) },
      userId: someUser(),
      tags: { feature: 'experiments', env: 'production' },
    });
    outcome.calls++;
  }
  return outcome;
}

const fakes = {} as { openai: Awaited<ReturnType<typeof startFakeOpenAI>>; anthropic: Awaited<ReturnType<typeof startFakeAnthropic>> };

type Totals = ApiSchemas['CostTotalsDto'];
const money = (amount: string) => `$${new Decimal(amount).toFixed(6)}`;
const count = (n: number) => n.toLocaleString('en-US');

function table(title: string, headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [`\n${title}`, line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function breakdownTable(title: string, rows: (Totals & { key: string | null })[], limit = 8): string {
  return table(
    title,
    ['', 'cost', 'requests', 'errors', 'unpriced', 'input tok', 'cached', 'output tok'],
    rows
      .slice(0, limit)
      .map((r) => [
        r.key ?? '(none)',
        money(r.cost.amount),
        count(r.requests),
        count(r.errors),
        count(r.unpriced),
        count(r.tokens.input),
        count(r.tokens.cachedInput),
        count(r.tokens.output),
      ]),
  );
}

async function main() {
  const anonymous = createApiClient({ baseUrl });
  const ready = await anonymous.GET('/health/ready').catch((err: Error) => ({ error: err, response: undefined }));
  if (ready.response?.status !== 200) {
    const reason = ready.response ? `answers ${ready.response.status} (${JSON.stringify(ready.error)})` : 'is not reachable';
    throw new Error(`LLMLab at ${baseUrl} ${reason}: start it with \`npm start\` (or set LLMLAB_URL)`);
  }
  const started = new Date(Date.now() - 60_000);
  const tenant = await createDemoTenant(anonymous);
  process.stdout.write(
    `LLMLab demo against ${baseUrl}\n` +
      `  account  ${tenant.email} / ${tenant.password} (sign in at ${baseUrl}/docs)\n` +
      `  project  ${tenant.project.name} (${tenant.project.id}), API key ${tenant.key.prefix}…\n`,
  );

  fakes.openai = await startFakeOpenAI({ answer: openaiAnswer });
  fakes.anthropic = await startFakeAnthropic({ answer: anthropicAnswer });
  const problems: string[] = [];
  const llmlab = new LLMLab({
    apiKey: tenant.key.key,
    baseUrl,
    flushIntervalMs: 200,
    flushOnExit: false,
    onError: (e) => problems.push(e.message),
  });
  try {
    const calls = Number(process.env.DEMO_CALLS ?? 150);
    process.stdout.write(
      `  driving ${calls} calls through the instrumented openai and @anthropic-ai/sdk clients (fake providers on ${fakes.openai.url}, ${fakes.anthropic.url})\n`,
    );
    const outcome = await driveCalls(llmlab, fakes.openai.baseURL, fakes.anthropic.url, calls);
    await llmlab.shutdown();
    const stats = llmlab.getStats();
    process.stdout.write(`  ${outcome.calls} calls (${outcome.failures} failed at the provider), ${stats.sent} usage events delivered\n`);
    if (stats.sent !== outcome.calls || problems.length > 0)
      throw new Error(`the SDK could not deliver every event: ${problems.join('; ')}`);

    const api = createApiClient({ baseUrl, apiKey: tenant.key.key });
    const projectId = tenant.project.id;
    const range = () => ({ from: started.toISOString(), to: new Date(Date.now() + 60_000).toISOString() });
    const waitStarted = Date.now();
    let summary: ApiSchemas['CostSummaryDto'] | undefined;
    while (Date.now() - waitStarted < 60_000) {
      summary = await must(
        'cost summary',
        api.GET('/v1/projects/{projectId}/costs/summary', { params: { path: { projectId }, query: range() } }),
      );
      if (summary.current.requests >= stats.sent) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    if (!summary || summary.current.requests < stats.sent)
      throw new Error(`only ${summary?.current.requests ?? 0} of ${stats.sent} events became queryable within a minute`);
    process.stdout.write(`  queryable ${((Date.now() - waitStarted) / 1000).toFixed(1)} s after the last flush\n`);

    const breakdown = (groupBy: string) =>
      must(
        `breakdown by ${groupBy}`,
        api.GET('/v1/projects/{projectId}/costs/breakdown', { params: { path: { projectId }, query: { ...range(), groupBy, limit: 10 } } }),
      );
    const [byModel, byProvider, byUser, byFeature] = await Promise.all([
      breakdown('model'),
      breakdown('provider'),
      breakdown('user'),
      breakdown('tag:feature'),
    ]);

    const c = summary.current;
    process.stdout.write(
      table(
        'Cost summary',
        ['', 'this period', 'previous period'],
        [
          ['cost', money(c.cost.amount), money(summary.previous.cost.amount)],
          ['requests', count(c.requests), count(summary.previous.requests)],
          ['errors', count(c.errors), count(summary.previous.errors)],
          ['unpriced', count(c.unpriced), count(summary.previous.unpriced)],
          ['input tokens', count(c.tokens.input), count(summary.previous.tokens.input)],
          ['  cached', count(c.tokens.cachedInput), count(summary.previous.tokens.cachedInput)],
          ['  cache writes', count(c.tokens.cacheWrite), count(summary.previous.tokens.cacheWrite)],
          ['output tokens', count(c.tokens.output), count(summary.previous.tokens.output)],
          ['  reasoning', count(c.tokens.reasoning), count(summary.previous.tokens.reasoning)],
        ],
      ) +
        '\n' +
        breakdownTable('Top models by cost', byModel.rows) +
        '\n' +
        breakdownTable('By provider', byProvider.rows) +
        '\n' +
        breakdownTable('Top users by cost', byUser.rows) +
        '\n' +
        breakdownTable('Top features (tag:feature) by cost', byFeature.rows) +
        `\n\nAmounts are exact decimals in USD, priced at each call's own timestamp from the genai-prices catalog.\n` +
        `Unpriced calls (acme-llm-7b) are counted, never $0: set a price with POST /v1/organizations/${tenant.organizationId}/pricing/overrides and they are repriced.\n`,
    );
  } finally {
    await llmlab.shutdown();
    await Promise.all([fakes.openai?.close(), fakes.anthropic?.close()]);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
