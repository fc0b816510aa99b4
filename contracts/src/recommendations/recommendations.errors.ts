export enum RecommendationErrorCode {
  NotFound = 'RECOMMENDATION_NOT_FOUND',
  /** The pattern it was about is gone: there is nothing left to accept or dismiss. */
  Resolved = 'RECOMMENDATION_RESOLVED',
  Invalid = 'RECOMMENDATION_INVALID',
}

export type RecommendationsErrorCode = RecommendationErrorCode;
export const RECOMMENDATIONS_ERROR_CODES: readonly RecommendationsErrorCode[] = Object.values(RecommendationErrorCode);
