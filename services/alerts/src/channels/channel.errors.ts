import { ChannelErrorCode } from '@llmlab/contracts';
import { CodedError, describeFieldErrors, type FieldError } from '@llmlab/domain';

export class ChannelError extends CodedError<ChannelErrorCode> {}

export function channelNotFound(): ChannelError {
  return new ChannelError(ChannelErrorCode.NotFound, 'channel not found');
}

export function invalidChannel(errors: FieldError[]): ChannelError {
  return new ChannelError(ChannelErrorCode.Invalid, describeFieldErrors(errors), errors);
}
