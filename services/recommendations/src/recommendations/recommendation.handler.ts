import { Injectable } from '@nestjs/common';
import {
  recommendationsStreams,
  routeSubjects,
  type DismissRecommendationRequest,
  type RecommendationRef,
  type RecommendationsRefreshed,
  type RecommendationView,
  type RequestContext,
  type RouteTarget,
} from '@llmlab/contracts';
import { isUuid, organizationScope, type ProjectScope } from '@llmlab/domain';
import { RecommendationEvaluator } from '../evaluation/recommendation.evaluator';
import { WriteEffects } from '@llmlab/messaging';
import { CommandRunner, metadataFromContext } from '@llmlab/service-kit';
import { recommendationDecider, type RecommendationCommand } from './recommendation.decider';
import { recommendationNotApplicable, recommendationNotFound, recommendationResolved } from './recommendation.errors';
import { ServiceRequests } from '../outbound/service-requests';
import { RecommendationQueries } from './recommendation.queries';

/** Who acted, for the `...By` fields of events. */
function actorId(context: RequestContext): string {
  return context.actor ? `${context.actor.type}:${context.actor.id}` : 'system:recommendations';
}

/** Accepting and dismissing (a member's decision) and refreshing, appended to the recommendation's stream, then read back. */
@Injectable()
export class RecommendationHandler {
  constructor(
    private readonly runner: CommandRunner,
    private readonly effects: WriteEffects,
    private readonly queries: RecommendationQueries,
    private readonly evaluator: RecommendationEvaluator,
    private readonly requests: ServiceRequests,
  ) {}

  /** Evaluates the project now, as the hourly evaluation does, and answers once the list shows the result. */
  async refresh(scope: ProjectScope): Promise<RecommendationsRefreshed> {
    const { refreshed, position } = await this.evaluator.evaluate(scope, new Date());
    await this.effects.settle(position);
    return refreshed;
  }

  accept(request: RecommendationRef, context: RequestContext): Promise<RecommendationView> {
    const { organizationId } = organizationScope(context);
    return this.decide(request.recommendationId, context, {
      type: 'Accept',
      data: { organizationId, actorId: actorId(context), at: new Date().toISOString() },
    });
  }

  /**
   * Accepts a model right-sizing recommendation and applies it: the proxy's route for its model (and feature) sends
   * those calls to the target model. The route is set first (setting it again is a no-op), then the acceptance
   * names it, so a retry after any failure ends in the same state.
   */
  async apply(request: RecommendationRef, context: RequestContext): Promise<RecommendationView> {
    if (!isUuid(request.recommendationId)) throw recommendationNotFound();
    const found = await this.queries.getStored(organizationScope(context), request.recommendationId);
    if (found.kind !== 'model_rightsizing' || !found.target || !found.scope.model) throw recommendationNotApplicable(found.kind);
    if (found.status === 'resolved') throw recommendationResolved();
    const route = await this.requests.ask(
      routeSubjects.setRoute,
      {
        model: found.scope.model,
        feature: found.scope.feature,
        // The proxy names the providers it can reach: another is refused there, naming the field.
        targets: [found.target as RouteTarget],
        recommendationId: found.id,
      },
      { ...context, organizationId: found.organizationId, projectId: found.projectId },
    );
    const { organizationId } = organizationScope(context);
    return this.decide(request.recommendationId, context, {
      type: 'Accept',
      data: { organizationId, actorId: actorId(context), at: new Date().toISOString(), routeId: route.routeId },
    });
  }

  dismiss(request: DismissRecommendationRequest, context: RequestContext): Promise<RecommendationView> {
    const { organizationId } = organizationScope(context);
    return this.decide(request.recommendationId, context, {
      type: 'Dismiss',
      data: { organizationId, actorId: actorId(context), reason: request.reason ?? null, at: new Date().toISOString() },
    });
  }

  private async decide(id: string, context: RequestContext, command: RecommendationCommand): Promise<RecommendationView> {
    if (!isUuid(id)) throw recommendationNotFound();
    const result = await this.runner.run(recommendationsStreams.recommendation(id), recommendationDecider, command, {
      metadata: metadataFromContext(),
    });
    await this.effects.settle(result.position);
    return this.queries.get(organizationScope(context), id);
  }
}
