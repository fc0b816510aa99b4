import { Injectable } from '@nestjs/common';
import type { RecommendationKind } from '@llmlab/contracts';
import { batchApiRecommender } from './batch-api.recommender';
import { failedSpendRecommender } from './failed-spend.recommender';
import { modelRightsizingRecommender } from './model-rightsizing.recommender';
import { promptCachingRecommender } from './prompt-caching.recommender';
import { reasoningEffortRecommender } from './reasoning-effort.recommender';
import type { Recommender } from './recommender';
import { unpricedUsageRecommender } from './unpriced-usage.recommender';

/** Every recommender the evaluation runs, one per kind: adding one is a class here and a section in the docs. */
@Injectable()
export class RecommenderRegistry {
  private readonly byKind = new Map<RecommendationKind, Recommender>();

  constructor() {
    for (const recommender of [
      modelRightsizingRecommender,
      promptCachingRecommender,
      batchApiRecommender,
      failedSpendRecommender,
      reasoningEffortRecommender,
      unpricedUsageRecommender,
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
