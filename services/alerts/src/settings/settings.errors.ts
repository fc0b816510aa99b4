import { SettingsErrorCode } from '@llmlab/contracts';
import { CodedError, describeFieldErrors, type FieldError } from '@llmlab/domain';

export class SettingsError extends CodedError<SettingsErrorCode> {}

export function invalidSettings(errors: FieldError[]): SettingsError {
  return new SettingsError(SettingsErrorCode.Invalid, describeFieldErrors(errors), errors);
}
