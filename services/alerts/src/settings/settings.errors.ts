import { CodedError, type FieldError } from '@llmlab/messaging';
import { assertUnreachable } from '@llmlab/domain';

export enum SettingsErrorCode {
  Invalid = 'ALERT_SETTINGS_INVALID',
}

function statusOf(code: SettingsErrorCode): number {
  switch (code) {
    case SettingsErrorCode.Invalid:
      return 400;
    default:
      return assertUnreachable(code);
  }
}

export class SettingsError extends CodedError<SettingsErrorCode> {
  constructor(code: SettingsErrorCode, message: string, errors?: FieldError[]) {
    super(code, statusOf(code), message, errors);
  }
}

export function invalidSettings(errors: FieldError[]): SettingsError {
  return new SettingsError(SettingsErrorCode.Invalid, errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
}
