import { ApiKeyErrorCode } from '@llmlab/contracts';
import { CodedError } from '@llmlab/domain';

export class ApiKeyError extends CodedError<ApiKeyErrorCode> {}
