import { CodedError, type FieldError } from '@llmlab/messaging';
import { assertUnreachable } from '@llmlab/domain';

export enum AlertErrorCode {
  NotFound = 'ALERT_NOT_FOUND',
  AlreadyResolved = 'ALERT_ALREADY_RESOLVED',
  /** The same rule key fired before: the append found the alert's stream (the once-only guarantee). */
  AlreadyFired = 'ALERT_ALREADY_FIRED',
  InvalidQuery = 'ALERT_QUERY_INVALID',
}

function statusOf(code: AlertErrorCode): number {
  switch (code) {
    case AlertErrorCode.NotFound:
      return 404;
    case AlertErrorCode.AlreadyResolved:
    case AlertErrorCode.AlreadyFired:
      return 409;
    case AlertErrorCode.InvalidQuery:
      return 400;
    default:
      return assertUnreachable(code);
  }
}

export class AlertError extends CodedError<AlertErrorCode> {
  constructor(code: AlertErrorCode, message: string, errors?: FieldError[]) {
    super(code, statusOf(code), message, errors);
  }
}

export function alertNotFound(): AlertError {
  return new AlertError(AlertErrorCode.NotFound, 'alert not found');
}
