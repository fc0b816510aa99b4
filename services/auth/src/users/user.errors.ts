import { UserErrorCode } from '@llmlab/contracts';
import { CodedError } from '@llmlab/domain';

export class UserError extends CodedError<UserErrorCode> {}

/** Unknown, expired or already used: one answer. */
export function verificationTokenInvalid(): UserError {
  return new UserError(UserErrorCode.VerificationTokenInvalid, 'this verification link is not valid (any more)', [
    { field: '/token', message: 'unknown, expired or already used' },
  ]);
}
