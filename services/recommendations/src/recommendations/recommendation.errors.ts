import { RecommendationErrorCode } from '@llmlab/contracts';
import { CodedError } from '@llmlab/domain';

export class RecommendationError extends CodedError<RecommendationErrorCode> {}

export function recommendationNotFound(): RecommendationError {
  return new RecommendationError(RecommendationErrorCode.NotFound, 'recommendation not found');
}
