import type { ModelTraffic, Proposal, ProjectTraffic, Recommender } from './recommender';

/**
 * Models used without a price: their spend cannot be known (an unpriced call is never counted as $0), so nothing
 * else can be estimated for them either. One finding per provider and model, whatever the feature.
 */
export class UnpricedUsageRecommender implements Recommender {
  readonly kind = 'unpriced_usage' as const;

  propose(traffic: ProjectTraffic): Proposal[] {
    const byModel = new Map<string, ModelTraffic[]>();
    for (const row of traffic.models)
      byModel.set(`${row.provider}\u0000${row.model}`, [...(byModel.get(`${row.provider}\u0000${row.model}`) ?? []), row]);
    const proposals: Proposal[] = [];
    for (const rows of byModel.values()) {
      const unpriced = rows.reduce((n, r) => n + r.unpriced, 0);
      if (unpriced === 0) continue;
      const calls = rows.reduce((n, r) => n + r.calls, 0);
      const { provider, model } = rows[0];
      proposals.push({
        savings: { kind: 'none' },
        findings: {
          kind: 'unpriced_usage',
          scope: { projectId: traffic.projectId, provider, model, feature: null },
          title: `Set a price for ${provider}/${model}`,
          change:
            `${unpriced} of ${calls} calls to ${provider}/${model} could not be priced: add a price override for the model ` +
            `(POST /v1/organizations/{orgId}/pricing/overrides), or check the model name the caller sends. Their spend, and any ` +
            `saving on them, is unknown until then.`,
          target: null,
          evidence: { window: { from: traffic.window.from, to: traffic.window.to }, figures: { unpricedCalls: unpriced, calls } },
          confidence: 'high',
          caveats: ['Repricing applies the price to the calls already recorded, back to when they happened.'],
        },
      });
    }
    return proposals;
  }
}
