import { streamName } from '../envelope';
import type { ApiKeyScope, Role } from './roles';

/**
 * Events of the auth service (DESIGN.md section 2). Personal data never appears in clear: emails and names are
 * `Ciphertext` under the subject's own key (erasing a person deletes the key), and emails are found by a keyed
 * `emailHash`. Passwords, refresh tokens and API keys are never in an event; an API key's SHA-256 is.
 */

/** AES-256-GCM under a per-subject key: base64url of iv (12 bytes) | tag (16 bytes) | ciphertext. */
export type Ciphertext = string;

/**
 * Per-organization overrides of the platform's rate limits; null means the platform default. Only the operator
 * sets them (`OrganizationRateLimitsChanged`); tenants read them.
 */
export interface RateLimitOverrides {
  managementPerHour: number | null;
  ingestPerHour: number | null;
}

export type EmailClaimEvent =
  | { type: 'EmailClaimed'; data: { emailHash: string; userId: string; claimedAt: string } }
  /** The holder was erased: the address may be registered again, by anyone who receives mail at it. */
  | { type: 'EmailReleased'; data: { emailHash: string; userId: string; releasedAt: string } };

export type UserEvent =
  | {
      type: 'UserRegistered';
      data: { userId: string; emailHash: string; email: Ciphertext; name: Ciphertext; registeredAt: string };
    }
  /** The user proved they receive mail at the address: by the verification link, or by an invitation's link to it. */
  | {
      type: 'EmailVerified';
      data: { userId: string; emailHash: string; method: 'verification-link' | 'invitation-link'; verifiedAt: string };
    }
  /**
   * The person asked to be forgotten (GDPR art. 17): their key is destroyed right after, so every `Ciphertext`
   * sealed under it, in this stream and everywhere else, is unreadable from then on. Ids only.
   */
  | { type: 'UserErased'; data: { userId: string; erasedAt: string } };

/**
 * Failed logins, bounded: at most one event per account (or per minute for all unknown emails together) a minute,
 * counting the failures since the previous one (counted in Redis). `userId` is null for unknown emails, which are
 * never named, not even by their hash: the store must not become a list of addresses someone typed.
 */
export type LoginFailureEvent = {
  type: 'UserLoginFailed';
  data: { userId: string | null; failures: number; since: string | null; failedAt: string };
};

export type OrganizationEvent =
  | { type: 'OrganizationCreated'; data: { organizationId: string; name: string; createdBy: string; createdAt: string } }
  | {
      type: 'OrganizationUpdated';
      /**
       * `rateLimits` only in events recorded before the operator API took them over from owners: still folded so
       * the history replays to the same state, never written any more.
       */
      data: { organizationId: string; name?: string; rateLimits?: RateLimitOverrides; updatedBy: string; updatedAt: string };
    }
  /** The operator set both limits (the actor in the metadata is `operator`); `previous` keeps the audit readable. */
  | {
      type: 'OrganizationRateLimitsChanged';
      data: { organizationId: string; rateLimits: RateLimitOverrides; previous: RateLimitOverrides; changedBy: string; changedAt: string };
    }
  | { type: 'MemberAdded'; data: { organizationId: string; userId: string; role: Role; addedBy: string; addedAt: string } }
  | {
      type: 'MemberRoleChanged';
      data: { organizationId: string; userId: string; role: Role; previousRole: Role; changedBy: string; changedAt: string };
    }
  | { type: 'MemberRemoved'; data: { organizationId: string; userId: string; role: Role; removedBy: string; removedAt: string } }
  | {
      type: 'MemberInvited';
      data: {
        organizationId: string;
        invitationId: string;
        emailHash: string;
        /** Under the invitation's own key, destroyed once the invitation is accepted or revoked. */
        email: Ciphertext;
        role: Role;
        invitedBy: string;
        invitedAt: string;
      };
    }
  | { type: 'InvitationAccepted'; data: { organizationId: string; invitationId: string; userId: string; acceptedAt: string } }
  | { type: 'InvitationRevoked'; data: { organizationId: string; invitationId: string; revokedBy: string; revokedAt: string } }
  /**
   * The only member (its owner) was erased: the organization is closed, its members and pending invitations gone,
   * its API keys no longer authenticate. Its data in the other services stays, reachable by nobody but the operator.
   */
  | { type: 'OrganizationClosed'; data: { organizationId: string; reason: 'owner_erased'; closedBy: string; closedAt: string } };

export type ProjectEvent =
  | {
      type: 'ProjectCreated';
      data: { projectId: string; organizationId: string; name: string; description: string | null; createdBy: string; createdAt: string };
    }
  | {
      type: 'ProjectUpdated';
      data: { projectId: string; organizationId: string; name?: string; description?: string | null; updatedBy: string; updatedAt: string };
    }
  | { type: 'ProjectArchived'; data: { projectId: string; organizationId: string; archivedBy: string; archivedAt: string } };

export type ApiKeyEvent =
  | {
      type: 'ApiKeyCreated';
      data: {
        apiKeyId: string;
        organizationId: string;
        projectId: string;
        name: string;
        prefix: string;
        /** SHA-256 of the whole key, hex: enough to check a key, useless to forge one. */
        hash: string;
        scopes: ApiKeyScope[];
        expiresAt: string | null;
        createdBy: string;
        createdAt: string;
      };
    }
  | {
      type: 'ApiKeyRevoked';
      data: { apiKeyId: string; organizationId: string; projectId: string; prefix: string; revokedBy: string; revokedAt: string };
    };

/** A session is a refresh-token family: the tokens themselves live (hashed) in a table, never in events. */
export type SessionEvent =
  | { type: 'SessionStarted'; data: { sessionId: string; userId: string; method: 'signup' | 'login'; startedAt: string } }
  /** The security event of a successful login (with `SessionStarted`, in the same append); IP and user agent in the metadata. */
  | { type: 'UserLoggedIn'; data: { sessionId: string; userId: string; loggedInAt: string } }
  | { type: 'SessionRefreshed'; data: { sessionId: string; userId: string; refreshedAt: string } }
  /**
   * `refresh_token_reuse` is the security event of a rotated refresh token presented again (someone holds a copy):
   * recorded once per session, when the reuse revokes it. `erasure`: the user was erased.
   */
  | {
      type: 'SessionRevoked';
      data: { sessionId: string; userId: string; reason: SessionRevocationReason; revokedAt: string };
    };

export type SessionRevocationReason = 'logout' | 'refresh_token_reuse' | 'erasure';

export type SigningKeyEvent = {
  type: 'SigningKeyRotated';
  data: { kid: string; algorithm: 'RS256'; previousKid: string | null; rotatedAt: string };
};

export type AuthEvent =
  EmailClaimEvent | UserEvent | LoginFailureEvent | OrganizationEvent | ProjectEvent | ApiKeyEvent | SessionEvent | SigningKeyEvent;

/** Stream names of the auth aggregates (`auth.<aggregate>-<id>`). */
export const authStreams = {
  emailClaim: (emailHash: string) => streamName('auth', 'email', emailHash),
  user: (id: string) => streamName('auth', 'user', id),
  organization: (id: string) => streamName('auth', 'organization', id),
  project: (id: string) => streamName('auth', 'project', id),
  apiKey: (id: string) => streamName('auth', 'api-key', id),
  session: (id: string) => streamName('auth', 'session', id),
  /** `auth.login-failures-<userId>`, or `auth.login-failures-unknown` for every email no account has. */
  loginFailures: (userId: string | null) => streamName('auth', 'login-failures', userId ?? 'unknown'),
  signingKeys: () => 'auth.signing-keys',
};
