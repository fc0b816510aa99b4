import { UserErrorCode } from '@llmlab/contracts';
import { CodedError } from '@llmlab/domain';

export class UserError extends CodedError<UserErrorCode> {}

/** Unknown, expired or already used: one answer. */
export function verificationTokenInvalid(): UserError {
  return new UserError(UserErrorCode.VerificationTokenInvalid, 'this verification link is not valid (any more)', [
    { field: '/token', message: 'unknown, expired or already used' },
  ]);
}

/** The password confirming an erasure: the same answer whatever else is true of the account. */
export function passwordIncorrect(): UserError {
  return new UserError(UserErrorCode.PasswordIncorrect, 'the password is not correct', [
    { field: '/password', message: 'is not the password of this account' },
  ]);
}

/** Erasure refused until the organizations that would be left without an owner have another one. */
export function soleOwner(organizationIds: string[]): UserError {
  return new UserError(
    UserErrorCode.SoleOwner,
    `you are the only owner of organizations with other members (${organizationIds.join(', ')}): make one of their members owner first`,
    organizationIds.map((id) => ({ field: `/organizations/${id}`, message: 'only owner, with other members' })),
  );
}
