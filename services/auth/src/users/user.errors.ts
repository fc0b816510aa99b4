import { CodedError, type FieldError } from '@llmlab/messaging';
import { assertUnreachable } from '@llmlab/domain';

export enum UserErrorCode {
  EmailTaken = 'EMAIL_TAKEN',
  AlreadyRegistered = 'USER_ALREADY_REGISTERED',
  PasswordPolicy = 'PASSWORD_POLICY',
  Invalid = 'USER_INVALID',
  NotFound = 'USER_NOT_FOUND',
}

function statusOf(code: UserErrorCode): number {
  switch (code) {
    case UserErrorCode.EmailTaken:
    case UserErrorCode.AlreadyRegistered:
      return 409;
    case UserErrorCode.PasswordPolicy:
    case UserErrorCode.Invalid:
      return 400;
    case UserErrorCode.NotFound:
      return 404;
    default:
      return assertUnreachable(code);
  }
}

export class UserError extends CodedError<UserErrorCode> {
  constructor(code: UserErrorCode, message: string, errors?: FieldError[]) {
    super(code, statusOf(code), message, errors);
  }
}
