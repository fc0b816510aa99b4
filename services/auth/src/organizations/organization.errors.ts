import { OrganizationErrorCode } from '@llmlab/contracts';
import { CodedError } from '@llmlab/domain';

export class OrganizationError extends CodedError<OrganizationErrorCode> {}

/** The same answer for a missing organization and one the caller is not a member of. */
export function organizationNotFound(): OrganizationError {
  return new OrganizationError(OrganizationErrorCode.NotFound, 'organization not found');
}
