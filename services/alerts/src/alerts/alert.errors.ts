import { AlertErrorCode } from '@llmlab/contracts';
import { CodedError } from '@llmlab/domain';

export class AlertError extends CodedError<AlertErrorCode> {}

export function alertNotFound(): AlertError {
  return new AlertError(AlertErrorCode.NotFound, 'alert not found');
}
