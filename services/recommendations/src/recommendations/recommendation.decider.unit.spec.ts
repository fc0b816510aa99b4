import type { RecommendationEvent, RecommendationFindings } from '@llmlab/contracts';
import { deciderSpec } from '@llmlab/testing';
import { recommendationDecider, type LifecyclePolicy, type RecommendationCommand } from './recommendation.decider';

const spec = deciderSpec(recommendationDecider);
const ref = {
  recommendationId: '0192f3a1-0000-7000-8000-0000000000r1',
  organizationId: '0192f3a1-0000-7000-8000-000000000001',
  projectId: '0192f3a1-0000-7000-8000-0000000000aa',
};
const at = '2026-12-01T10:00:00.000Z';
const later = '2026-12-01T11:00:00.000Z';
const policy: LifecyclePolicy = { updateShare: 0.1, reopenFactor: 2 };

function findings(savings: string | null, title = 'Move support on gpt-4o to gpt-4o-mini'): RecommendationFindings {
  return {
    kind: 'model_rightsizing',
    scope: { projectId: ref.projectId, provider: 'openai', model: 'gpt-4o', feature: 'support' },
    title,
    change: 'Call gpt-4o-mini instead of gpt-4o for the support feature.',
    target: { provider: 'openai', model: 'gpt-4o-mini' },
    evidence: { window: { from: '2026-11-17', to: '2026-12-01' }, figures: { calls: 12000 } },
    estimatedMonthlySavings: savings === null ? null : { amount: savings, currency: 'USD' },
    confidence: 'medium',
    caveats: ['Check answer quality on a sample before switching.'],
  };
}

const evaluate = (f: RecommendationFindings | null, when = later): RecommendationCommand => ({
  type: 'Evaluate',
  data: { ...ref, findings: f, at: when, policy },
});
const accept: RecommendationCommand = { type: 'Accept', data: { organizationId: ref.organizationId, actorId: 'user:u1', at: later } };
const dismiss = (reason: string | null = 'quality matters here'): RecommendationCommand => ({
  type: 'Dismiss',
  data: { organizationId: ref.organizationId, actorId: 'user:u1', reason, at: later },
});
const opened = (f = findings('120.50')): RecommendationEvent => ({
  type: 'RecommendationOpened',
  data: { ...ref, findings: f, openedAt: at },
});
const dismissed = (savings: string | null = '120.50'): RecommendationEvent => ({
  type: 'RecommendationDismissed',
  data: {
    ...ref,
    dismissedBy: 'user:u1',
    dismissedAt: at,
    reason: null,
    savingsAtDismissal: savings === null ? null : { amount: savings, currency: 'USD' },
  },
});

describe('recommendation lifecycle', () => {
  it('opens on a first finding, and stays silent while there is none', () => {
    spec
      .given([])
      .when(evaluate(findings('120.50'), at))
      .then([opened()]);
    spec.given([]).when(evaluate(null)).thenNothing();
  });

  it('updates when the savings move by more than a tenth or the change differs, not for small moves', () => {
    spec
      .given([opened()])
      .when(evaluate(findings('130.00')))
      .thenNothing();
    spec
      .given([opened()])
      .when(evaluate(findings('140.00')))
      .then([{ type: 'RecommendationUpdated', data: { ...ref, findings: findings('140.00'), updatedAt: later } }]);
    const retitled = findings('120.50', 'Move support on gpt-4o to gpt-4.1-mini');
    spec
      .given([opened()])
      .when(evaluate(retitled))
      .then([{ type: 'RecommendationUpdated', data: { ...ref, findings: retitled, updatedAt: later } }]);
  });

  it('resolves an open recommendation when the pattern disappears, and reopens it if it comes back', () => {
    const resolved: RecommendationEvent = { type: 'RecommendationResolved', data: { ...ref, resolvedAt: later } };
    spec.given([opened()]).when(evaluate(null)).then([resolved]);
    spec
      .given([opened(), resolved])
      .when(evaluate(findings('50')))
      .then([{ type: 'RecommendationReopened', data: { ...ref, findings: findings('50'), reopenedAt: later } }]);
    spec.given([opened(), resolved]).when(accept).thenThrows({ code: 'RECOMMENDATION_RESOLVED' });
  });

  it('keeps a dismissed recommendation dismissed unless its savings reach twice those dismissed', () => {
    spec
      .given([opened()])
      .when(dismiss())
      .then([
        {
          type: 'RecommendationDismissed',
          data: {
            ...ref,
            dismissedBy: 'user:u1',
            dismissedAt: later,
            reason: 'quality matters here',
            savingsAtDismissal: { amount: '120.50', currency: 'USD' },
          },
        },
      ]);
    spec
      .given([opened(), dismissed()])
      .when(evaluate(findings('240.99')))
      .thenNothing();
    spec.given([opened(), dismissed()]).when(evaluate(null)).thenNothing();
    spec
      .given([opened(), dismissed()])
      .when(evaluate(findings('241.00')))
      .then([{ type: 'RecommendationReopened', data: { ...ref, findings: findings('241.00'), reopenedAt: later } }]);
    // Dismissed while its money was unknown: a figure appearing is not growth.
    spec
      .given([opened(findings(null)), dismissed(null)])
      .when(evaluate(findings('500')))
      .thenNothing();
    spec.given([opened(), dismissed()]).when(dismiss()).thenNothing();
  });

  it('accepts with the findings as they stand, once, and no evaluation changes an accepted one', () => {
    const updated: RecommendationEvent = { type: 'RecommendationUpdated', data: { ...ref, findings: findings('200'), updatedAt: at } };
    spec
      .given([opened(), updated])
      .when(accept)
      .then([{ type: 'RecommendationAccepted', data: { ...ref, acceptedBy: 'user:u1', acceptedAt: later, findings: findings('200') } }]);
    const accepted: RecommendationEvent = {
      type: 'RecommendationAccepted',
      data: { ...ref, acceptedBy: 'user:u1', acceptedAt: at, findings: findings('200') },
    };
    spec.given([opened(), accepted]).when(accept).thenNothing();
    spec.given([opened(), accepted]).when(evaluate(null)).thenNothing();
    spec
      .given([opened(), accepted])
      .when(evaluate(findings('900')))
      .thenNothing();
    // A team that changes its mind: a dismissed one can be accepted, an accepted one dismissed.
    spec
      .given([opened(), dismissed()])
      .when(accept)
      .then([expect.objectContaining({ type: 'RecommendationAccepted' })]);
    spec
      .given([opened(), accepted])
      .when(dismiss(null))
      .then([expect.objectContaining({ type: 'RecommendationDismissed' })]);
  });

  it('applies as a route with its acceptance, or after it, once per route', () => {
    const ROUTE = '0192f3a1-0000-7000-8000-0000000000ee';
    const applyWith = (routeId: string): RecommendationCommand => ({
      type: 'Accept',
      data: { organizationId: ref.organizationId, actorId: 'user:u1', at: later, routeId },
    });
    const applied: RecommendationEvent = {
      type: 'RecommendationApplied',
      data: { ...ref, routeId: ROUTE, appliedBy: 'user:u1', appliedAt: later },
    };
    spec
      .given([opened()])
      .when(applyWith(ROUTE))
      .then([expect.objectContaining({ type: 'RecommendationAccepted' }), applied]);
    const accepted: RecommendationEvent = {
      type: 'RecommendationAccepted',
      data: { ...ref, acceptedBy: 'user:u1', acceptedAt: at, findings: findings('120.50') },
    };
    spec.given([opened(), accepted]).when(applyWith(ROUTE)).then([applied]);
    spec.given([opened(), accepted, applied]).when(applyWith(ROUTE)).thenNothing();
    spec.given([opened(), accepted, applied]).when(accept).thenNothing();
  });

  it("answers another organization's or an unknown recommendation as not found, and bounds the reason", () => {
    spec.given([]).when(accept).thenThrows({ code: 'RECOMMENDATION_NOT_FOUND' });
    spec
      .given([opened()])
      .when({ type: 'Accept', data: { organizationId: '0192f3a1-0000-7000-8000-000000000002', actorId: 'user:u9', at } })
      .thenThrows({ code: 'RECOMMENDATION_NOT_FOUND' });
    spec
      .given([opened()])
      .when(dismiss('x'.repeat(501)))
      .thenThrows({
        code: 'RECOMMENDATION_INVALID',
        errors: [{ field: '/reason', message: 'must be a string of at most 500 characters' }],
      });
  });
});
