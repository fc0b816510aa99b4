import type { MoneyAmount } from '../ingestion/usage-event';
import type { RecommendationFindings } from './recommendations.messages';

/**
 * Streams of the recommendations context:
 * - `recommendations.recommendation-<id>`: one recommendation's life. Its id derives from the project, the kind and
 *   the scope, so one pattern is one stream however often it is evaluated.
 * - `recommendations.model-equivalence-<organizationId>`: the organization's changes to the right-sizing table.
 */
export const recommendationsStreams = {
  recommendation: (recommendationId: string) => `recommendations.recommendation-${recommendationId}`,
  /** An organization's changes to the model right-sizing table. */
  modelEquivalence: (organizationId: string) => `recommendations.model-equivalence-${organizationId}`,
} as const;

interface RecommendationRef {
  readonly recommendationId: string;
  readonly organizationId: string;
  readonly projectId: string;
}

export type RecommendationEvent =
  | { type: 'RecommendationOpened'; data: RecommendationRef & { readonly findings: RecommendationFindings; readonly openedAt: string } }
  /** The figures moved (savings by more than the set share, or the evidence): the findings as they now stand. */
  | { type: 'RecommendationUpdated'; data: RecommendationRef & { readonly findings: RecommendationFindings; readonly updatedAt: string } }
  | {
      type: 'RecommendationAccepted';
      data: RecommendationRef & {
        readonly acceptedBy: string;
        readonly acceptedAt: string;
        /** The findings the team accepted: the change whose savings are measured from now on. */
        readonly findings: RecommendationFindings;
      };
    }
  /** Applied as a route rule of the proxy (after, or with, its acceptance): its savings are measured on that route. */
  | {
      type: 'RecommendationApplied';
      data: RecommendationRef & { readonly routeId: string; readonly appliedBy: string; readonly appliedAt: string };
    }
  | {
      type: 'RecommendationDismissed';
      data: RecommendationRef & {
        readonly dismissedBy: string;
        readonly dismissedAt: string;
        readonly reason: string | null;
        /** The estimate when dismissed: only savings grown past the set factor of it reopen the recommendation. */
        readonly savingsAtDismissal: MoneyAmount | null;
      };
    }
  /** A dismissed recommendation whose savings grew past the set factor of what was dismissed. */
  | { type: 'RecommendationReopened'; data: RecommendationRef & { readonly findings: RecommendationFindings; readonly reopenedAt: string } }
  /** The pattern disappeared while the recommendation was open. */
  | { type: 'RecommendationResolved'; data: RecommendationRef & { readonly resolvedAt: string } };

export type ModelEquivalenceEvent = {
  type: 'ModelEquivalenceChanged';
  data: { organizationId: string; overrides: Readonly<Record<string, readonly string[]>>; changedBy: string; changedAt: string };
};
