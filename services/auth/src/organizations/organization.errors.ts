import { CodedError, type FieldError } from '@llmlab/messaging';
import { assertUnreachable } from '@llmlab/domain';

export enum OrganizationErrorCode {
  NotFound = 'ORGANIZATION_NOT_FOUND',
  AlreadyExists = 'ORGANIZATION_ALREADY_EXISTS',
  Invalid = 'ORGANIZATION_INVALID',
  Forbidden = 'ORGANIZATION_FORBIDDEN',
  MemberNotFound = 'MEMBER_NOT_FOUND',
  MemberAlreadyExists = 'MEMBER_ALREADY_EXISTS',
  InvitationPending = 'INVITATION_ALREADY_PENDING',
  LastOwner = 'LAST_OWNER',
}

function statusOf(code: OrganizationErrorCode): number {
  switch (code) {
    case OrganizationErrorCode.NotFound:
    case OrganizationErrorCode.MemberNotFound:
      return 404;
    case OrganizationErrorCode.AlreadyExists:
    case OrganizationErrorCode.MemberAlreadyExists:
    case OrganizationErrorCode.InvitationPending:
    case OrganizationErrorCode.LastOwner:
      return 409;
    case OrganizationErrorCode.Invalid:
      return 400;
    case OrganizationErrorCode.Forbidden:
      return 403;
    default:
      return assertUnreachable(code);
  }
}

export class OrganizationError extends CodedError<OrganizationErrorCode> {
  constructor(code: OrganizationErrorCode, message: string, errors?: FieldError[]) {
    super(code, statusOf(code), message, errors);
  }
}

/** The same answer for a missing organization and one the caller is not a member of. */
export function organizationNotFound(): OrganizationError {
  return new OrganizationError(OrganizationErrorCode.NotFound, 'organization not found');
}
