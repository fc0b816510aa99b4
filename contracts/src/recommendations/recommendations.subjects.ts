import { defineSubject } from '../messaging';
import type {
  DismissRecommendationRequest,
  ForecastView,
  ModelEquivalenceView,
  UpdateModelEquivalenceRequest,
  ListRecommendationsRequest,
  RecommendationList,
  RecommendationOwner,
  RecommendationRef,
  RecommendationsRefreshed,
  RecommendationView,
  ResolveRecommendationOwnerRequest,
  RouteTrafficRequest,
  RouteTrafficView,
  WhatIfRequest,
  WhatIfResult,
} from './recommendations.messages';

type Empty = Record<string, never>;

/**
 * Request/reply subjects of the recommendations service. The project or organization is the request context's,
 * authorized by the gateway; routes that name only a recommendation id ask `resolveOwner` first.
 */
export const recommendationsSubjects = {
  /** The context's project's recommendations. */
  listProject: defineSubject<ListRecommendationsRequest, RecommendationList>('recommendations.query.list-project'),
  /** Every project's of the context's organization. */
  listOrganization: defineSubject<ListRecommendationsRequest, RecommendationList>('recommendations.query.list-organization'),
  get: defineSubject<RecommendationRef, RecommendationView>('recommendations.query.get'),
  accept: defineSubject<RecommendationRef, RecommendationView>('recommendations.cmd.accept'),
  /**
   * Accepts a model right-sizing recommendation and applies it: the proxy's route for its model and feature sends
   * those calls to the target model, and the savings are measured on that route's traffic.
   */
  apply: defineSubject<RecommendationRef, RecommendationView>('recommendations.cmd.apply'),
  dismiss: defineSubject<DismissRecommendationRequest, RecommendationView>('recommendations.cmd.dismiss'),
  /** Evaluates the context's project now, as the hourly evaluation does. */
  refresh: defineSubject<Empty, RecommendationsRefreshed>('recommendations.cmd.refresh'),
  /** The context's project's traffic (or, without a project, the organization's) priced under changes. */
  whatIf: defineSubject<WhatIfRequest, WhatIfResult>('recommendations.query.what-if'),
  /** The context's project's (or, without a project, the organization's) month-end forecast. */
  forecast: defineSubject<Empty, ForecastView>('recommendations.query.forecast'),
  /** The context's project's proxy routes: calls, errors, fallbacks and cache hits per route, with their cost and savings. */
  routeTraffic: defineSubject<RouteTrafficRequest, RouteTrafficView>('recommendations.query.route-traffic'),
  /** The context's organization's right-sizing table. */
  getModelEquivalence: defineSubject<Empty, ModelEquivalenceView>('recommendations.query.model-equivalence'),
  updateModelEquivalence: defineSubject<UpdateModelEquivalenceRequest, ModelEquivalenceView>(
    'recommendations.cmd.update-model-equivalence',
  ),
  /** The gateway's own question; answers 404 for an unknown id. */
  resolveOwner: defineSubject<ResolveRecommendationOwnerRequest, RecommendationOwner>('recommendations.query.resolve-owner'),
};
