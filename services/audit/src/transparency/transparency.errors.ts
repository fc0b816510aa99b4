import { AuditErrorCode } from '@llmlab/contracts';
import { CodedError } from '@llmlab/domain';

export class AuditError extends CodedError<AuditErrorCode> {}
