import { BatchApiRecommender } from './batch-api.recommender';
import { tokenPercentile } from './histogram';
import { cheaperModel, MODEL_EQUIVALENCE } from '@llmlab/pricing';
import { ModelRightsizingRecommender } from './model-rightsizing.recommender';
import { PromptCachingRecommender } from './prompt-caching.recommender';
import { ReasoningEffortRecommender } from './reasoning-effort.recommender';
import type { ModelTraffic, PrefixTraffic, ProjectTraffic } from './recommender';

const BUCKETS = 22;
/** A histogram with `calls` calls in the bucket of `tokens`. */
const hist = (tokens: number, calls: number) =>
  Array.from({ length: BUCKETS }, (_, b) =>
    b === (tokens <= 0 ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log2(tokens)) + 1)) ? calls : 0,
  );

function model(over: Partial<ModelTraffic> = {}): ModelTraffic {
  return {
    provider: 'openai',
    model: 'gpt-4o-2024-08-06',
    feature: 'classify',
    calls: 100,
    errors: 0,
    withUser: 100,
    withTools: 0,
    batchTagged: 0,
    inputTokens: 200_000,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 4_000,
    reasoningTokens: 0,
    cost: '0.54',
    errorCost: '0',
    unpriced: 0,
    outputBuckets: hist(40, 100),
    inputBuckets: hist(2_000, 100),
    hourBuckets: Array.from({ length: 24 }, () => 0),
    ...over,
  };
}

function prefix(over: Partial<PrefixTraffic> = {}): PrefixTraffic {
  return {
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    prefixHash: 'd'.repeat(64),
    calls: 100,
    prefixTokens: 2_000,
    tools: 1,
    inputTokens: 250_000,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    cost: '1',
    ...over,
  };
}

const traffic = (models: ModelTraffic[], prefixes: PrefixTraffic[] = []): ProjectTraffic => ({
  organizationId: 'o',
  projectId: 'p',
  window: { from: '2026-11-21', to: '2026-12-05', days: 14 },
  models,
  prefixes,
  flagged: [],
  evaluatedTraces: 0,
  equivalence: MODEL_EQUIVALENCE,
});

describe('model right-sizing', () => {
  it('proposes the family’s cheaper model for short answers, repricing the same tokens at both models', () => {
    const [proposal] = new ModelRightsizingRecommender().propose(traffic([model()]));
    expect(proposal.findings).toMatchObject({
      target: { provider: 'openai', model: 'gpt-4o-mini' },
      scope: { model: 'gpt-4o-2024-08-06' },
    });
    const usage = { inputTokens: 200_000, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 4_000, reasoningTokens: 0 };
    expect(proposal.savings).toEqual({
      kind: 'reprice',
      current: [{ provider: 'openai', model: 'gpt-4o-2024-08-06', at: '2026-12-05T00:00:00.000Z', usage }],
      changed: [{ provider: 'openai', model: 'gpt-4o-mini', at: '2026-12-05T00:00:00.000Z', usage }],
    });
  });

  it('leaves long answers, tools, reasoning, few calls, unpriced calls and models without a cheaper sibling alone', () => {
    for (const row of [
      model({ outputBuckets: hist(2_000, 100) }),
      model({ inputBuckets: hist(40_000, 100) }),
      model({ withTools: 3 }),
      model({ reasoningTokens: 1_000 }),
      model({ calls: 49 }),
      model({ unpriced: 1 }),
      model({ model: 'gpt-4o-mini' }),
    ]) {
      expect(new ModelRightsizingRecommender().propose(traffic([row]))).toEqual([]);
    }
  });
});

describe('prompt caching', () => {
  it('prices the prefix read from the cache after the first call of each day, with Anthropic’s cache writes', () => {
    const [proposal] = new PromptCachingRecommender().propose(traffic([], [prefix()]));
    // 14 days, 100 calls: max(14, 100 / 10) = 14 writes; the other 86 calls read the 2,000 tokens from the cache.
    expect(proposal.savings).toMatchObject({
      kind: 'reprice',
      changed: [{ usage: { inputTokens: 250_000, cachedInputTokens: 86 * 2_000, cacheWriteTokens: 14 * 2_000, outputTokens: 0 } }],
    });
    expect(proposal.findings.change).toContain('cache_control');
    const [openai] = new PromptCachingRecommender().propose(traffic([], [prefix({ provider: 'openai', model: 'gpt-4.1' })]));
    expect(openai.savings).toMatchObject({ changed: [{ usage: { cachedInputTokens: 86 * 2_000, cacheWriteTokens: 0 } }] });
  });

  it('stays quiet on short prefixes, few calls, and prefixes already read from the cache', () => {
    for (const row of [prefix({ prefixTokens: 900 }), prefix({ calls: 19 }), prefix({ cachedInputTokens: 100_000 })]) {
      expect(new PromptCachingRecommender().propose(traffic([], [row]))).toEqual([]);
    }
  });
});

describe('batch APIs', () => {
  const nightly = Array.from({ length: 24 }, (_, h) => (h === 2 ? 150 : h === 3 ? 50 : 0));
  it('proposes the batch endpoint for calls nobody waits for, at the provider’s published half price', () => {
    const [proposal] = new BatchApiRecommender().propose(traffic([model({ calls: 200, withUser: 0, hourBuckets: nightly })]));
    expect(proposal.findings.change).toContain('/v1/batches');
    expect(proposal.savings).toMatchObject({ kind: 'discount', share: '0.5', calls: [{ provider: 'openai', model: 'gpt-4o-2024-08-06' }] });
  });

  it('takes a feature its sender tagged latency=batch, users and spread hours notwithstanding', () => {
    const spread = Array.from({ length: 24 }, () => 10);
    const [proposal] = new BatchApiRecommender().propose(
      traffic([model({ calls: 240, withUser: 240, batchTagged: 240, hourBuckets: spread })]),
    );
    expect(proposal.findings.change).toContain('tagged latency=batch');
    expect(
      new BatchApiRecommender().propose(traffic([model({ calls: 240, withUser: 240, batchTagged: 239, hourBuckets: spread })])),
    ).toEqual([]);
  });

  it('leaves calls with end users, spread over the day, too few, or of a provider without a batch API alone', () => {
    const spread = Array.from({ length: 24 }, () => 10);
    for (const row of [
      model({ calls: 200, withUser: 1, hourBuckets: nightly }),
      model({ calls: 240, withUser: 0, hourBuckets: spread }),
      model({ calls: 99, withUser: 0, hourBuckets: nightly }),
      model({ calls: 200, withUser: 0, hourBuckets: nightly, provider: 'acme' }),
    ]) {
      expect(new BatchApiRecommender().propose(traffic([row]))).toEqual([]);
    }
  });
});

describe('reasoning effort', () => {
  it('caps reasoning at twice the visible answer when it outweighs short answers, repricing the difference', () => {
    // 100 calls, 120,000 output tokens of which 100,000 reasoning: 200 visible tokens a call, a budget of 400.
    const row = model({ model: 'o4-mini', outputTokens: 120_000, reasoningTokens: 100_000 });
    const [proposal] = new ReasoningEffortRecommender().propose(traffic([row]));
    expect(proposal.savings).toMatchObject({
      kind: 'reprice',
      current: [{ usage: { outputTokens: 120_000, reasoningTokens: 100_000 } }],
      changed: [{ usage: { outputTokens: 60_000, reasoningTokens: 40_000 } }],
    });
    expect(proposal.findings.evidence.figures).toMatchObject({ reasoningBudgetPerCall: 400, reasoningShare: '0.8333' });
  });

  it('leaves long answers, little reasoning and reasoning already within the budget alone', () => {
    for (const row of [
      model({ outputTokens: 200_000, reasoningTokens: 150_000 }),
      model({ outputTokens: 10_000, reasoningTokens: 2_000 }),
      model({ outputTokens: 30_000, reasoningTokens: 25_000 }),
    ]) {
      expect(new ReasoningEffortRecommender().propose(traffic([row]))).toEqual([]);
    }
  });
});

describe('helpers', () => {
  it('reads percentiles from log2 histograms and matches dated snapshots to their model', () => {
    expect(
      tokenPercentile(
        hist(40, 90).map((c, b) => c + hist(3_000, 10)[b]),
        0.9,
      ),
    ).toBe(63);
    expect(
      tokenPercentile(
        hist(40, 89).map((c, b) => c + hist(3_000, 11)[b]),
        0.9,
      ),
    ).toBe(4_095);
    expect(tokenPercentile(hist(0, 0), 0.9)).toBe(Infinity);
    expect(cheaperModel('anthropic', 'claude-sonnet-4-5-20250929')).toEqual({ provider: 'anthropic', model: 'claude-haiku-4-5' });
    expect(cheaperModel('openai', 'gpt-4o-mini')).toBeUndefined();
  });
});
