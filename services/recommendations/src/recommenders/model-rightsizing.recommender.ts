import { tokenPercentile } from './histogram';
import { cheaperModel } from '@llmlab/pricing';
import type { ModelTraffic, Proposal, ProjectTraffic, QuoteCall, Recommender } from './recommender';

/** The traffic shape a smaller model handles (docs/recommendations.md, "Model right-sizing"). */
export const RIGHTSIZING_SHAPE = {
  minCalls: 50,
  /** 90 % of the answers at most this long. */
  maxOutputP90: 511,
  /** 90 % of the prompts at most this long. */
  maxInputP90: 16_383,
  /** Reasoning at most this share of the output tokens. */
  maxReasoningShare: 0.05,
};

function observedUsage(row: ModelTraffic) {
  return {
    inputTokens: row.inputTokens,
    cachedInputTokens: row.cachedInputTokens,
    cacheWriteTokens: row.cacheWriteTokens,
    outputTokens: row.outputTokens,
    reasoningTokens: row.reasoningTokens,
  };
}

/**
 * Traffic of one model and feature whose shape suits the cheaper model of the same family that the equivalence
 * table names: short answers, moderate prompts, no tools, little reasoning. The saving is the same tokens priced
 * at the cheaper model minus priced at the current one, both at the prices in force at the window's end.
 */
export class ModelRightsizingRecommender implements Recommender {
  readonly kind = 'model_rightsizing' as const;

  propose(traffic: ProjectTraffic): Proposal[] {
    const at = `${traffic.window.to}T00:00:00.000Z`;
    const proposals: Proposal[] = [];
    for (const row of traffic.models) {
      const target = cheaperModel(row.provider, row.model, traffic.equivalence);
      if (!target || row.calls < RIGHTSIZING_SHAPE.minCalls || row.withTools > 0 || row.unpriced > 0) continue;
      const outputP90 = tokenPercentile(row.outputBuckets, 0.9);
      const inputP90 = tokenPercentile(row.inputBuckets, 0.9);
      const reasoningShare = row.outputTokens === 0 ? 0 : row.reasoningTokens / row.outputTokens;
      if (outputP90 > RIGHTSIZING_SHAPE.maxOutputP90 || inputP90 > RIGHTSIZING_SHAPE.maxInputP90) continue;
      if (reasoningShare > RIGHTSIZING_SHAPE.maxReasoningShare) continue;
      const usage = observedUsage(row);
      const current: QuoteCall[] = [{ provider: row.provider, model: row.model, at, usage }];
      const changed: QuoteCall[] = [{ ...target, at, usage }];
      const feature = row.feature === '' ? 'calls without a feature tag' : `the ${row.feature} feature`;
      proposals.push({
        findings: {
          kind: 'model_rightsizing',
          scope: { projectId: traffic.projectId, provider: row.provider, model: row.model, feature: row.feature },
          title: `Move ${feature} from ${row.model} to ${target.model}`,
          change:
            `${row.calls} calls of ${feature} to ${row.provider}/${row.model} had short answers (90 % under ${outputP90 + 1} tokens), ` +
            `prompts under ${inputP90 + 1} tokens for 90 % of them, no tools and little reasoning: call ${target.provider}/${target.model} ` +
            `instead.`,
          target,
          evidence: {
            window: { from: traffic.window.from, to: traffic.window.to },
            figures: {
              calls: row.calls,
              inputTokens: row.inputTokens,
              outputTokens: row.outputTokens,
              outputTokensP90: outputP90,
              inputTokensP90: inputP90,
              cost: row.cost,
            },
          },
          confidence: row.calls >= 1_000 ? 'medium' : 'low',
          caveats: [
            'A smaller model can answer worse: compare a sample of answers (or run your evaluations) before switching all traffic.',
            'Priced on the same token counts; a different model may tokenize the same text into more or fewer tokens.',
          ],
        },
        savings: { kind: 'reprice', current, changed },
      });
    }
    return proposals;
  }
}
