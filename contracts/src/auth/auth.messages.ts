import type { RateLimitOverrides } from './auth.events';
import type { ApiKeyScope, Role } from './roles';

/**
 * Requests and replies of the auth subjects. Times are RFC 3339 strings; ids are UUIDs. The organization or
 * project a request is about is never in its payload: it is the one the gateway resolved and authorized, in
 * the request context (`organizationId`, `projectId`).
 */

export interface UserView {
  id: string;
  email: string;
  name: string;
  createdAt: string;
  /** Whether the user proved they receive mail at `email`; needed to join another organization. */
  emailVerified: boolean;
}

export interface VerifyEmailRequest {
  /** The token of the link in the verification mail. */
  token: string;
}

/** A throttled resend is an answer, not an error: the edge turns it into 429 with Retry-After. */
export type ResendVerificationResult = { throttled: false } | { throttled: true; retryAfterSeconds: number };

export interface AcceptInvitationRequest {
  /** The token of the link in the invitation mail. */
  token: string;
}

export interface AcceptedInvitation {
  organizationId: string;
  organizationName: string;
  role: Role;
}

export interface OrganizationView {
  id: string;
  name: string;
  createdAt: string;
  /** The caller's role in it. */
  role: Role;
  rateLimits: RateLimitOverrides;
  /** Revision of the organization's stream: its ETag, and what If-Match states. */
  revision: number;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  expiresIn: number;
}

export interface SignupRequest {
  email: string;
  password: string;
  name: string;
  organizationName?: string;
}

export interface SignupResult extends TokenPair {
  user: UserView;
  organization: OrganizationView;
}

export interface LoginRequest {
  email: string;
  password: string;
}

/** A throttled login is an answer, not an error: the edge turns it into 429 with Retry-After. */
export type LoginResult = { throttled: false; tokens: TokenPair } | { throttled: true; retryAfterSeconds: number };

export interface RefreshRequest {
  refreshToken: string;
}

export interface MembershipView {
  organizationId: string;
  organizationName: string;
  role: Role;
}

export interface MeView {
  user: UserView;
  memberships: MembershipView[];
}

export interface Page<T> {
  data: T[];
}

export interface CreateOrganizationRequest {
  name: string;
}

/** Rate limits are not here: they belong to the operator (`setRateLimits`). */
export interface UpdateOrganizationRequest {
  name?: string;
  /** From If-Match: the update applies only at this revision. */
  expectedRevision?: number;
}

/**
 * The operator's view of an organization's rate limits: the overrides as stored (null: the platform default) and
 * the organization's revision (its ETag on the operator routes too).
 */
export interface OperatorRateLimitsView extends RateLimitOverrides {
  organizationId: string;
  revision: number;
}

/** Both limits at once (a PUT): null restores the platform default. */
export interface SetRateLimitsRequest extends RateLimitOverrides {
  /** From If-Match: the change applies only at this revision. */
  expectedRevision?: number;
}

export interface MemberView {
  userId: string;
  email: string;
  name: string;
  role: Role;
  joinedAt: string;
}

export interface InvitationView {
  invitationId: string;
  email: string;
  role: Role;
  invitedBy: string;
  invitedAt: string;
}

export interface MemberList {
  data: MemberView[];
  invitations: InvitationView[];
}

export interface InvitationList {
  data: InvitationView[];
}

export interface CreateInvitationRequest {
  email: string;
  role: Role;
}

/**
 * Adding a member is always an invitation, mailed with its own link: whether the address has an account is not
 * told, and nobody becomes a member before accepting.
 */
/** `POST .../members` kept for existing clients: it creates an invitation like `POST .../invitations`. */
export type AddMemberRequest = CreateInvitationRequest;

export type AddMemberResult = { status: 'invited'; invitation: InvitationView };

export interface InvitationRef {
  invitationId: string;
}

export interface MemberRef {
  /** A member's user id, or a pending invitation's id (to revoke it). */
  userId: string;
}

export interface UpdateMemberRequest extends MemberRef {
  role: Role;
}

export interface ProjectView {
  id: string;
  organizationId: string;
  name: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
  revision: number;
}

export interface CreateProjectRequest {
  name: string;
  description?: string;
}

export interface ListProjectsRequest {
  includeArchived?: boolean;
}

export interface UpdateProjectRequest {
  name?: string;
  description?: string | null;
  expectedRevision?: number;
}

export interface ApiKeyView {
  id: string;
  organizationId: string;
  projectId: string;
  name: string;
  /** Public start of the key (`llm_live_AbCd1234`), to recognise it. */
  prefix: string;
  scopes: ApiKeyScope[];
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
  /** When the key last authenticated a request, to the minute (recorded at most once a minute per key); null if never. */
  lastUsedAt: string | null;
}

export interface CreatedApiKey extends ApiKeyView {
  /** The secret, returned this once and never stored. */
  key: string;
}

export interface CreateApiKeyRequest {
  name: string;
  scopes: ApiKeyScope[];
  expiresAt?: string;
}

export interface ApiKeyRef {
  apiKeyId: string;
}

/** Public signing keys, current first (RFC 7517). */
export interface JwksView {
  keys: { kty: string; kid: string; alg: string; use: string; n?: string; e?: string }[];
}

/** The gateway asks which role a user holds where a route points: an organization or a project. */
export type ResolveAccessRequest = { userId: string; organizationId: string } | { userId: string; projectId: string };

export interface AccessGrant {
  organizationId: string;
  projectId?: string;
  role: Role;
  rateLimits: RateLimitOverrides;
}

/** `grant` is null when the resource does not exist or the user is not a member: the edge answers 404 either way. */
export interface ResolveAccessResult {
  grant: AccessGrant | null;
}

export interface ApiKeyLookupRequest {
  prefix: string;
}

/** A usable key (not revoked, project not archived) with the hash the gateway compares in constant time. */
export interface ApiKeyCandidate {
  id: string;
  name: string;
  prefix: string;
  hash: string;
  organizationId: string;
  projectId: string;
  scopes: ApiKeyScope[];
  expiresAt: string | null;
  rateLimits: RateLimitOverrides;
}

export interface ApiKeyLookupResult {
  candidates: ApiKeyCandidate[];
}

/** The gateway saw the key authenticate a request at `usedAt` (sent at most once a minute per key and replica). */
export interface RecordApiKeyUseRequest {
  apiKeyId: string;
  usedAt: string;
}

/** `DELETE /v1/me`: the account's password, confirming the erasure. */
export interface EraseMeRequest {
  password: string;
}

/** `GET /v1/me/export`: everything the auth service holds about the caller (docs/security.md, "Your data"). */
export interface PersonalDataExport {
  exportedAt: string;
  user: UserView & { emailVerifiedAt: string | null };
  memberships: (MembershipView & { joinedAt: string })[];
  invitations: {
    /** Invitations the user sent; the invitee's address is theirs, not the caller's, and is left out. */
    sent: ExportedInvitation[];
    /** Invitations addressed to the user's email. */
    received: ExportedInvitation[];
  };
  /** Keys the user created: metadata only, never a secret or a hash. */
  apiKeysCreated: ApiKeyView[];
  sessions: ExportedSession[];
}

export interface ExportedInvitation {
  id: string;
  organizationId: string;
  organizationName: string;
  role: Role;
  status: 'pending' | 'accepted' | 'revoked';
  invitedBy: string;
  invitedAt: string;
  settledAt: string | null;
}

/** A session (refresh-token family) as the user may see it: where and when it was used, never a token. */
export interface ExportedSession {
  id: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  revokedReason: string | null;
  ip: string | null;
  userAgent: string | null;
}

export type Empty = Record<string, never>;
