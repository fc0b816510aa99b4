import { batchDiscount } from '@llmlab/pricing';
import type { ModelTraffic, Proposal, ProjectTraffic, Recommender } from './recommender';

/** What marks traffic nobody waits for (docs/recommendations.md, "Batch APIs"). */
export const BATCH_SHAPE = {
  minCalls: 100,
  /** Calls that name an end user have someone waiting: at most this share may. */
  maxWithUserShare: 0,
  /** Bursts: this share of the calls in the busiest `burstHours` hours of the day. */
  burstShare: 0.8,
  burstHours: 3,
};

function bursty(row: ModelTraffic): boolean {
  const busiest = [...row.hourBuckets].sort((a, b) => b - a).slice(0, BATCH_SHAPE.burstHours);
  return busiest.reduce((n, c) => n + c, 0) >= BATCH_SHAPE.burstShare * row.calls;
}

/**
 * Latency-insensitive traffic of one model and feature (every call tagged `latency: batch` by its sender; or no end
 * user named on any call, and the calls in bursts: jobs, not people) moved to the provider's batch endpoint. The saving is the discount on the traffic priced as
 * it is.
 */
export class BatchApiRecommender implements Recommender {
  readonly kind = 'batch_api' as const;

  propose(traffic: ProjectTraffic): Proposal[] {
    const at = `${traffic.window.to}T00:00:00.000Z`;
    const proposals: Proposal[] = [];
    for (const row of traffic.models) {
      const discount = batchDiscount(row.provider);
      if (!discount || row.calls < BATCH_SHAPE.minCalls || row.unpriced > 0) continue;
      const tagged = row.batchTagged === row.calls;
      if (!tagged && (row.withUser > BATCH_SHAPE.maxWithUserShare * row.calls || !bursty(row))) continue;
      const feature = row.feature === '' ? 'calls without a feature tag' : `the ${row.feature} feature`;
      proposals.push({
        findings: {
          kind: 'batch_api',
          scope: { projectId: traffic.projectId, provider: row.provider, model: row.model, feature: row.feature },
          title: `Send ${feature} on ${row.model} through the batch API`,
          change:
            `${row.calls} calls of ${feature} to ${row.provider}/${row.model} ` +
            (tagged ? 'were tagged latency=batch by their sender' : 'named no end user and came in bursts (jobs, not people waiting)') +
            `: submit them through ${discount.api}, answered within 24 hours at ${Number(discount.discount) * 100} % off.`,
          target: null,
          evidence: {
            window: { from: traffic.window.from, to: traffic.window.to },
            figures: {
              calls: row.calls,
              callsWithEndUser: row.withUser,
              callsTaggedBatch: row.batchTagged,
              busiestHoursShare: (
                [...row.hourBuckets]
                  .sort((a, b) => b - a)
                  .slice(0, BATCH_SHAPE.burstHours)
                  .reduce((n, c) => n + c, 0) / row.calls
              ).toFixed(4),
              cost: row.cost,
              discount: discount.discount,
            },
          },
          confidence: 'medium',
          caveats: ['Only for work that can wait up to 24 hours; the batch API takes requests as a file and answers in one.'],
        },
        savings: {
          kind: 'discount',
          calls: [
            {
              provider: row.provider,
              model: row.model,
              at,
              usage: {
                inputTokens: row.inputTokens,
                cachedInputTokens: row.cachedInputTokens,
                cacheWriteTokens: row.cacheWriteTokens,
                outputTokens: row.outputTokens,
                reasoningTokens: row.reasoningTokens,
              },
            },
          ],
          share: discount.discount,
        },
      });
    }
    return proposals;
  }
}
