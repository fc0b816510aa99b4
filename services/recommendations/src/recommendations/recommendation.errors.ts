import { RecommendationErrorCode } from '@llmlab/contracts';
import { CodedError } from '@llmlab/domain';

export class RecommendationError extends CodedError<RecommendationErrorCode> {}

export function recommendationNotFound(): RecommendationError {
  return new RecommendationError(RecommendationErrorCode.NotFound, 'recommendation not found');
}

export function recommendationResolved(): RecommendationError {
  return new RecommendationError(
    RecommendationErrorCode.Resolved,
    'the pattern this recommendation was about is gone: nothing to accept or dismiss',
  );
}

export function recommendationNotApplicable(kind: string): RecommendationError {
  return new RecommendationError(
    RecommendationErrorCode.NotApplicable,
    `a ${kind} recommendation cannot be applied as a route: only a model right-sizing recommendation with a target model can (accept it instead)`,
  );
}
