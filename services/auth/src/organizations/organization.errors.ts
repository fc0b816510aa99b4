import { OrganizationErrorCode } from '@llmlab/contracts';
import { CodedError } from '@llmlab/domain';

export class OrganizationError extends CodedError<OrganizationErrorCode> {}

/** The same answer for a missing organization and one the caller is not a member of. */
export function organizationNotFound(): OrganizationError {
  return new OrganizationError(OrganizationErrorCode.NotFound, 'organization not found');
}

/** Unknown, expired, used, or its invitation revoked or settled: one answer. */
export function invitationTokenInvalid(): OrganizationError {
  return new OrganizationError(OrganizationErrorCode.InvitationTokenInvalid, 'this invitation link is not valid (any more)', [
    { field: '/token', message: 'unknown, expired, already used, or the invitation was revoked' },
  ]);
}

/** The caller already owns as many organizations as one user may (MAX_ORGANIZATIONS_PER_USER). */
export function organizationLimitReached(max: number): OrganizationError {
  return new OrganizationError(
    OrganizationErrorCode.LimitReached,
    `you already own ${max} organizations, the most one user may own; delete one or ask the operator`,
  );
}
