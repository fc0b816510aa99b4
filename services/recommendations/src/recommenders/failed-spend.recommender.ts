import { Money } from '@llmlab/domain';
import type { Proposal, ProjectTraffic, Recommender } from './recommender';

/**
 * Money paid for calls that failed (a failed call is billed for what the provider processed), per model and
 * feature, with the traces the detectors flagged for retry storms, errors and timeouts as the evidence of why.
 * The estimate is the failed calls' own cost scaled to a month: what fixing the failures (or failing before the
 * call) saves at most.
 */
export class FailedSpendRecommender implements Recommender {
  readonly kind = 'failed_spend' as const;

  propose(traffic: ProjectTraffic): Proposal[] {
    const flags = Object.fromEntries(
      traffic.flagged.filter((f) => ['retry_storm', 'error', 'timeout'].includes(f.flag)).map((f) => [`${f.flag}Traces`, f.traces]),
    );
    const proposals: Proposal[] = [];
    for (const row of traffic.models) {
      const errorCost = new Money(row.errorCost);
      if (row.errors === 0 || errorCost.lte(0)) continue;
      const feature = row.feature === '' ? 'calls without a feature tag' : `the ${row.feature} feature`;
      const share = ((row.errors / row.calls) * 100).toFixed(1);
      const days = traffic.window.days;
      proposals.push({
        findings: {
          kind: 'failed_spend',
          scope: { projectId: traffic.projectId, provider: row.provider, model: row.model, feature: row.feature },
          title: `Stop paying for failed ${row.model} calls of ${feature}`,
          change:
            `${row.errors} of ${row.calls} calls (${share} %) to ${row.provider}/${row.model} for ${feature} failed and still cost ` +
            `${errorCost.toFixed()} USD over ${days} day${days === 1 ? '' : 's'}. Look at the failing traces: retry with backoff ` +
            `only on retryable errors, cap retries, validate inputs and context length before calling.`,
          target: null,
          evidence: {
            window: { from: traffic.window.from, to: traffic.window.to },
            figures: { calls: row.calls, failedCalls: row.errors, failedCost: row.errorCost, ...flags },
          },
          confidence: row.errors >= 20 ? 'high' : 'medium',
          caveats: ['The estimate is what the failed calls cost: some failures cannot be avoided (provider outages).'],
        },
        savings: { kind: 'observed', amount: row.errorCost },
      });
    }
    return proposals;
  }
}
