import { ReconciliationErrorCode } from '@llmlab/contracts';
import { CodedError, describeFieldErrors, type FieldError } from '@llmlab/domain';

export class ReconciliationError extends CodedError<ReconciliationErrorCode> {}

export function invalidReconciliationQuery(errors: FieldError[]): ReconciliationError {
  return new ReconciliationError(ReconciliationErrorCode.Invalid, describeFieldErrors(errors), errors);
}

export function invalidReconciliationSettings(errors: FieldError[]): ReconciliationError {
  return new ReconciliationError(ReconciliationErrorCode.SettingsInvalid, describeFieldErrors(errors), errors);
}
