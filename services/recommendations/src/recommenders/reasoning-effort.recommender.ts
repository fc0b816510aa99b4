import type { Proposal, ProjectTraffic, Recommender } from './recommender';

/** When reasoning outweighs the answers (docs/recommendations.md, "Reasoning effort"). */
export const REASONING_SHAPE = {
  minCalls: 50,
  /** Reasoning at least this share of the output tokens. */
  minReasoningShare: 0.5,
  /** The visible answer at most this many tokens per call on average. */
  maxVisibleOutputPerCall: 300,
  /** The budget proposed: reasoning capped at this many times the visible answer, and at least `minBudget` tokens. */
  budgetFactor: 2,
  minBudget: 256,
};

/**
 * A reasoning model spending most of its output on reasoning for short answers: lower the effort (OpenAI's
 * `reasoning_effort` / `reasoning.effort`) or cap the thinking budget (Anthropic's `thinking.budget_tokens`). The
 * saving is the traffic repriced with reasoning capped at twice the visible answer (at least 256 tokens a call).
 */
export class ReasoningEffortRecommender implements Recommender {
  readonly kind = 'reasoning_effort' as const;

  propose(traffic: ProjectTraffic): Proposal[] {
    const at = `${traffic.window.to}T00:00:00.000Z`;
    const proposals: Proposal[] = [];
    for (const row of traffic.models) {
      if (row.calls < REASONING_SHAPE.minCalls || row.unpriced > 0 || row.outputTokens === 0) continue;
      const share = row.reasoningTokens / row.outputTokens;
      const visiblePerCall = (row.outputTokens - row.reasoningTokens) / row.calls;
      if (share < REASONING_SHAPE.minReasoningShare || visiblePerCall > REASONING_SHAPE.maxVisibleOutputPerCall) continue;
      const budgetPerCall = Math.max(REASONING_SHAPE.minBudget, Math.ceil(REASONING_SHAPE.budgetFactor * visiblePerCall));
      const capped = Math.min(row.reasoningTokens, budgetPerCall * row.calls);
      if (capped >= row.reasoningTokens) continue;
      const usage = {
        inputTokens: row.inputTokens,
        cachedInputTokens: row.cachedInputTokens,
        cacheWriteTokens: row.cacheWriteTokens,
        outputTokens: row.outputTokens,
        reasoningTokens: row.reasoningTokens,
      };
      const how =
        row.provider === 'anthropic'
          ? `set \`thinking.budget_tokens\` to about ${budgetPerCall}`
          : `ask for less reasoning (\`reasoning_effort: "low"\`, or \`reasoning: { effort: "low" }\` in the Responses API)`;
      const feature = row.feature === '' ? 'calls without a feature tag' : `the ${row.feature} feature`;
      proposals.push({
        findings: {
          kind: 'reasoning_effort',
          scope: { projectId: traffic.projectId, provider: row.provider, model: row.model, feature: row.feature },
          title: `Lower the reasoning effort of ${row.model} for ${feature}`,
          change:
            `${(share * 100).toFixed(1)} % of the output of ${row.calls} calls was reasoning, for answers of ${Math.round(visiblePerCall)} ` +
            `tokens on average: ${how}.`,
          target: null,
          evidence: {
            window: { from: traffic.window.from, to: traffic.window.to },
            figures: {
              calls: row.calls,
              outputTokens: row.outputTokens,
              reasoningTokens: row.reasoningTokens,
              reasoningShare: share.toFixed(4),
              reasoningBudgetPerCall: budgetPerCall,
            },
          },
          confidence: 'low',
          caveats: ['Less reasoning can lower the quality of hard answers: compare a sample first.'],
        },
        savings: {
          kind: 'reprice',
          current: [{ provider: row.provider, model: row.model, at, usage }],
          changed: [
            {
              provider: row.provider,
              model: row.model,
              at,
              usage: { ...usage, outputTokens: row.outputTokens - (row.reasoningTokens - capped), reasoningTokens: capped },
            },
          ],
        },
      });
    }
    return proposals;
  }
}
