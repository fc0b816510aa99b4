import { CodedError, type FieldError } from '@llmlab/messaging';
import { assertUnreachable } from '@llmlab/domain';

export enum ApiKeyErrorCode {
  NotFound = 'API_KEY_NOT_FOUND',
  AlreadyExists = 'API_KEY_ALREADY_EXISTS',
  Invalid = 'API_KEY_INVALID',
  Forbidden = 'API_KEY_FORBIDDEN',
  ProjectArchived = 'PROJECT_ARCHIVED',
}

function statusOf(code: ApiKeyErrorCode): number {
  switch (code) {
    case ApiKeyErrorCode.NotFound:
      return 404;
    case ApiKeyErrorCode.AlreadyExists:
    case ApiKeyErrorCode.ProjectArchived:
      return 409;
    case ApiKeyErrorCode.Invalid:
      return 400;
    case ApiKeyErrorCode.Forbidden:
      return 403;
    default:
      return assertUnreachable(code);
  }
}

export class ApiKeyError extends CodedError<ApiKeyErrorCode> {
  constructor(code: ApiKeyErrorCode, message: string, errors?: FieldError[]) {
    super(code, statusOf(code), message, errors);
  }
}
