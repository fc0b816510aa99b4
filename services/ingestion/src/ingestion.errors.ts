import { CodedError, type FieldError } from '@llmlab/messaging';

export enum IngestionErrorCode {
  /** A query or command whose input is wrong; `errors` says where. */
  ValidationFailed = 'VALIDATION_FAILED',
  /** A pagination cursor that this service did not hand out, or for another query. */
  InvalidCursor = 'INVALID_CURSOR',
  /** A message on the ingest stream that breaks the `UsageBatchAccepted` contract: it is dead-lettered. */
  InvalidUsageBatch = 'INVALID_USAGE_BATCH',
  PriceOverrideNotFound = 'PRICE_OVERRIDE_NOT_FOUND',
  /** The new override would apply at the same instant as an existing one for the same model. */
  PriceOverrideOverlaps = 'PRICE_OVERRIDE_OVERLAPS',
  /** The price data cannot be merged with the stored catalog without guessing: nothing was changed. */
  PricingRefreshConflict = 'PRICING_REFRESH_CONFLICT',
  /** The remote price data could not be fetched or read. */
  PricingSourceUnavailable = 'PRICING_SOURCE_UNAVAILABLE',
}

const STATUS: Record<IngestionErrorCode, number> = {
  [IngestionErrorCode.ValidationFailed]: 400,
  [IngestionErrorCode.InvalidCursor]: 400,
  [IngestionErrorCode.InvalidUsageBatch]: 400,
  [IngestionErrorCode.PriceOverrideNotFound]: 404,
  [IngestionErrorCode.PriceOverrideOverlaps]: 409,
  [IngestionErrorCode.PricingRefreshConflict]: 409,
  [IngestionErrorCode.PricingSourceUnavailable]: 502,
};

export class IngestionError extends CodedError<IngestionErrorCode> {
  constructor(code: IngestionErrorCode, message: string, errors?: FieldError[]) {
    super(code, STATUS[code], message, errors);
  }
}

/** A 400 naming the fields at fault; the message lists them too, for clients that only show the message. */
export function validationFailed(errors: FieldError[]): IngestionError {
  return new IngestionError(IngestionErrorCode.ValidationFailed, errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
}
