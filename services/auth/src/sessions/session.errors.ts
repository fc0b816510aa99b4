import { CodedError } from '@llmlab/messaging';
import { assertUnreachable } from '@llmlab/domain';

export enum SessionErrorCode {
  /** Unknown email and wrong password alike: the answer never tells which. */
  InvalidCredentials = 'INVALID_CREDENTIALS',
  /** Unknown, expired, rotated or revoked: one answer. */
  InvalidRefreshToken = 'INVALID_REFRESH_TOKEN',
  Unauthenticated = 'UNAUTHENTICATED',
}

function statusOf(code: SessionErrorCode): number {
  switch (code) {
    case SessionErrorCode.InvalidCredentials:
    case SessionErrorCode.InvalidRefreshToken:
    case SessionErrorCode.Unauthenticated:
      return 401;
    default:
      return assertUnreachable(code);
  }
}

export class SessionError extends CodedError<SessionErrorCode> {
  constructor(code: SessionErrorCode, message: string) {
    super(code, statusOf(code), message);
  }
}

export const invalidCredentials = () => new SessionError(SessionErrorCode.InvalidCredentials, 'the email or the password is wrong');
export const invalidRefreshToken = () =>
  new SessionError(SessionErrorCode.InvalidRefreshToken, 'the refresh token is invalid, expired or revoked');
