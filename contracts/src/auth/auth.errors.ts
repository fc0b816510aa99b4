export enum UserErrorCode {
  EmailTaken = 'EMAIL_TAKEN',
  AlreadyRegistered = 'USER_ALREADY_REGISTERED',
  PasswordPolicy = 'PASSWORD_POLICY',
  Invalid = 'USER_INVALID',
  NotFound = 'USER_NOT_FOUND',
  /** Unknown, expired or already used: one answer. */
  VerificationTokenInvalid = 'EMAIL_VERIFICATION_TOKEN_INVALID',
  AlreadyVerified = 'EMAIL_ALREADY_VERIFIED',
  /** The password confirming an erasure was wrong (the field is `/password`). */
  PasswordIncorrect = 'PASSWORD_INCORRECT',
  /** Erasure refused: the user is the only owner of organizations that have other members (named in the errors). */
  SoleOwner = 'SOLE_OWNER',
}

export enum SessionErrorCode {
  /** Unknown email and wrong password alike: the answer never tells which. */
  InvalidCredentials = 'INVALID_CREDENTIALS',
  /** Unknown, expired, rotated or revoked: one answer. */
  InvalidRefreshToken = 'INVALID_REFRESH_TOKEN',
  Unauthenticated = 'UNAUTHENTICATED',
}

export enum OrganizationErrorCode {
  NotFound = 'ORGANIZATION_NOT_FOUND',
  AlreadyExists = 'ORGANIZATION_ALREADY_EXISTS',
  Invalid = 'ORGANIZATION_INVALID',
  Forbidden = 'ORGANIZATION_FORBIDDEN',
  MemberNotFound = 'MEMBER_NOT_FOUND',
  MemberAlreadyExists = 'MEMBER_ALREADY_EXISTS',
  InvitationPending = 'INVITATION_ALREADY_PENDING',
  InvitationNotFound = 'INVITATION_NOT_FOUND',
  /** Unknown, expired, used or revoked: one answer. */
  InvitationTokenInvalid = 'INVITATION_TOKEN_INVALID',
  /** Joining someone else's organization with an account whose address is not verified. */
  EmailNotVerified = 'EMAIL_NOT_VERIFIED',
  LastOwner = 'LAST_OWNER',
  LimitReached = 'ORGANIZATION_LIMIT_REACHED',
}

export enum ProjectErrorCode {
  NotFound = 'PROJECT_NOT_FOUND',
  AlreadyExists = 'PROJECT_ALREADY_EXISTS',
  Archived = 'PROJECT_ARCHIVED',
  Invalid = 'PROJECT_INVALID',
  Forbidden = 'PROJECT_FORBIDDEN',
}

export enum ApiKeyErrorCode {
  NotFound = 'API_KEY_NOT_FOUND',
  AlreadyExists = 'API_KEY_ALREADY_EXISTS',
  Invalid = 'API_KEY_INVALID',
  Forbidden = 'API_KEY_FORBIDDEN',
  ProjectArchived = 'PROJECT_ARCHIVED',
}

export type AuthErrorCode = UserErrorCode | SessionErrorCode | OrganizationErrorCode | ProjectErrorCode | ApiKeyErrorCode;
export const AUTH_ERROR_CODES: readonly AuthErrorCode[] = [
  ...Object.values(UserErrorCode),
  ...Object.values(SessionErrorCode),
  ...Object.values(OrganizationErrorCode),
  ...Object.values(ProjectErrorCode),
  ...Object.values(ApiKeyErrorCode),
];
