import { UserErrorCode } from '@llmlab/contracts';
import { CodedError } from '@llmlab/domain';

export class UserError extends CodedError<UserErrorCode> {}
