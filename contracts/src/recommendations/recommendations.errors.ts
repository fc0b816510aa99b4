export enum RecommendationErrorCode {
  NotFound = 'RECOMMENDATION_NOT_FOUND',
  /** The pattern it was about is gone: there is nothing left to accept or dismiss. */
  Resolved = 'RECOMMENDATION_RESOLVED',
  Invalid = 'RECOMMENDATION_INVALID',
  /** Only a model right-sizing recommendation with a target model can be applied as a route rule. */
  NotApplicable = 'RECOMMENDATION_NOT_APPLICABLE',
}

export type RecommendationsErrorCode = RecommendationErrorCode;
export const RECOMMENDATIONS_ERROR_CODES: readonly RecommendationsErrorCode[] = Object.values(RecommendationErrorCode);
