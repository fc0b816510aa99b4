import { Injectable } from '@nestjs/common';
import {
  recommendationsStreams,
  type DismissRecommendationRequest,
  type RecommendationRef,
  type RecommendationsRefreshed,
  type RecommendationView,
  type RequestContext,
} from '@llmlab/contracts';
import { isUuid, organizationScope, type ProjectScope } from '@llmlab/domain';
import { RecommendationEvaluator } from '../evaluation/recommendation.evaluator';
import { WriteEffects } from '@llmlab/messaging';
import { CommandRunner, metadataFromContext } from '@llmlab/service-kit';
import { recommendationDecider, type RecommendationCommand } from './recommendation.decider';
import { recommendationNotFound } from './recommendation.errors';
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
