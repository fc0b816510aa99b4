import { IngestionErrorCode } from '@llmlab/contracts';
import { CodedError, describeFieldErrors, type FieldError } from '@llmlab/domain';

export class IngestionError extends CodedError<IngestionErrorCode> {}

/** Bad input, naming the fields at fault; the message lists them too, for clients that only show the message. */
export function validationFailed(errors: FieldError[]): IngestionError {
  return new IngestionError(IngestionErrorCode.ValidationFailed, describeFieldErrors(errors), errors);
}
