import { Injectable } from '@nestjs/common';
import type { RecommendationKind } from '@llmlab/contracts';
import { BatchApiRecommender } from './batch-api.recommender';
import { FailedSpendRecommender } from './failed-spend.recommender';
import { ModelRightsizingRecommender } from './model-rightsizing.recommender';
import { PromptCachingRecommender } from './prompt-caching.recommender';
import { ReasoningEffortRecommender } from './reasoning-effort.recommender';
import type { Recommender } from './recommender';
import { UnpricedUsageRecommender } from './unpriced-usage.recommender';

/** Every recommender the evaluation runs, one per kind: adding one is a class here and a section in the docs. */
@Injectable()
export class RecommenderRegistry {
  private readonly byKind = new Map<RecommendationKind, Recommender>();

  constructor() {
    for (const recommender of [
      new ModelRightsizingRecommender(),
      new PromptCachingRecommender(),
      new BatchApiRecommender(),
      new FailedSpendRecommender(),
      new ReasoningEffortRecommender(),
      new UnpricedUsageRecommender(),
    ]) {
      this.register(recommender);
    }
  }

  register(recommender: Recommender): void {
    if (this.byKind.has(recommender.kind)) throw new Error(`a recommender of kind ${recommender.kind} is registered already`);
    this.byKind.set(recommender.kind, recommender);
  }

  all(): Recommender[] {
    return [...this.byKind.values()];
  }

  kinds(): RecommendationKind[] {
    return [...this.byKind.keys()];
  }
}
