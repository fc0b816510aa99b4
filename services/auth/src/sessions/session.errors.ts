import { SessionErrorCode } from '@llmlab/contracts';
import { CodedError } from '@llmlab/domain';

export class SessionError extends CodedError<SessionErrorCode> {}

export const invalidCredentials = () => new SessionError(SessionErrorCode.InvalidCredentials, 'the email or the password is wrong');
export const invalidRefreshToken = () =>
  new SessionError(SessionErrorCode.InvalidRefreshToken, 'the refresh token is invalid, expired or revoked');
