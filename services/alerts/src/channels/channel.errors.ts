import { CodedError, type FieldError } from '@llmlab/messaging';
import { assertUnreachable } from '@llmlab/domain';

export enum ChannelErrorCode {
  NotFound = 'CHANNEL_NOT_FOUND',
  Invalid = 'CHANNEL_INVALID',
  LimitReached = 'CHANNEL_LIMIT_REACHED',
  AlreadyExists = 'CHANNEL_ALREADY_EXISTS',
}

function statusOf(code: ChannelErrorCode): number {
  switch (code) {
    case ChannelErrorCode.NotFound:
      return 404;
    case ChannelErrorCode.Invalid:
      return 400;
    case ChannelErrorCode.LimitReached:
    case ChannelErrorCode.AlreadyExists:
      return 409;
    default:
      return assertUnreachable(code);
  }
}

export class ChannelError extends CodedError<ChannelErrorCode> {
  constructor(code: ChannelErrorCode, message: string, errors?: FieldError[]) {
    super(code, statusOf(code), message, errors);
  }
}

export function channelNotFound(): ChannelError {
  return new ChannelError(ChannelErrorCode.NotFound, 'channel not found');
}

export function invalidChannel(errors: FieldError[]): ChannelError {
  return new ChannelError(ChannelErrorCode.Invalid, errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
}
