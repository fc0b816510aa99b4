import {
  hasRole,
  type Ciphertext,
  type OrganizationEvent,
  type RateLimitOverrides,
  type Role,
  OrganizationErrorCode,
} from '@llmlab/contracts';
import { assertUnreachable, type Decider } from '@llmlab/domain';
import { invitationTokenInvalid, OrganizationError, organizationNotFound } from './organization.errors';

const ORGANIZATION_NAME_MAX = 100;

/**
 * Every tenant command names its actor: the decider reads the actor's role from the organization itself.
 * `SetRateLimits` comes from the operator, outside any tenant (the handler admits only the operator actor).
 */
export type OrganizationCommand =
  | { type: 'CreateOrganization'; data: { organizationId: string; name: string; actorId: string; at: string } }
  | { type: 'UpdateOrganization'; data: { name?: string; actorId: string; at: string } }
  | { type: 'SetRateLimits'; data: { rateLimits: RateLimitOverrides; maxRateLimitPerHour: number; actorId: string; at: string } }
  /** Adding a member is always an invitation; `registeredUserId` is the account of the address, if any (never told). */
  | {
      type: 'InviteMember';
      data: {
        invitationId: string;
        emailHash: string;
        email: Ciphertext;
        role: Role;
        registeredUserId: string | null;
        actorId: string;
        at: string;
      };
    }
  /** Only with the invitation's own token (checked by the caller), by a user whose address the caller checked. */
  | { type: 'AcceptInvitation'; data: { invitationId: string; userId: string; at: string } }
  | { type: 'RevokeInvitation'; data: { invitationId: string; actorId: string; at: string } }
  | { type: 'ChangeMemberRole'; data: { userId: string; role: Role; actorId: string; at: string } }
  /** `userId` may also name a pending invitation, which is then revoked. */
  | { type: 'RemoveMember'; data: { userId: string; actorId: string; at: string } }
  /** The erasure of the organization's only member, its owner: nobody would be left to own it. */
  | { type: 'CloseOrganization'; data: { actorId: string; reason: 'owner_erased'; at: string } };

export interface OrganizationState {
  id: string | null;
  name: string;
  createdAt: string | null;
  closed: boolean;
  rateLimits: RateLimitOverrides;
  members: Readonly<Record<string, Role>>;
  /** Pending invitations by id. */
  invitations: Readonly<Record<string, { emailHash: string; role: Role }>>;
}

const initialState = (): OrganizationState => ({
  id: null,
  name: '',
  createdAt: null,
  closed: false,
  rateLimits: { managementPerHour: null, ingestPerHour: null },
  members: {},
  invitations: {},
});

function invalid(field: string, message: string): OrganizationError {
  return new OrganizationError(OrganizationErrorCode.Invalid, `${field}: ${message}`, [{ field, message }]);
}

/** The organization name as it will be stored; exported so signup can refuse a bad one before writing anything. */
export function validOrganizationName(name: string, field = '/name'): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > ORGANIZATION_NAME_MAX) throw invalid(field, `must have 1 to ${ORGANIZATION_NAME_MAX} characters`);
  return trimmed;
}

/** A caller who is not a member learns nothing, not even that the organization exists. */
function actorRole(state: OrganizationState, actorId: string): Role {
  const role = state.id ? state.members[actorId] : undefined;
  if (!role) throw organizationNotFound();
  return role;
}

function requireRole(role: Role, minimum: Role, what: string): void {
  if (!hasRole(role, minimum)) throw new OrganizationError(OrganizationErrorCode.Forbidden, `${what} needs the ${minimum} role`);
}

function owners(state: OrganizationState): string[] {
  return Object.entries(state.members)
    .filter(([, role]) => role === 'owner')
    .map(([userId]) => userId);
}

function decide(command: OrganizationCommand, state: OrganizationState): OrganizationEvent[] {
  const organizationId = state.id ?? '';
  switch (command.type) {
    case 'CreateOrganization': {
      if (state.id) throw new OrganizationError(OrganizationErrorCode.AlreadyExists, `organization ${command.data.organizationId} exists`);
      const { organizationId: id, actorId, at } = command.data;
      return [
        {
          type: 'OrganizationCreated',
          data: { organizationId: id, name: validOrganizationName(command.data.name), createdBy: actorId, createdAt: at },
        },
        { type: 'MemberAdded', data: { organizationId: id, userId: actorId, role: 'owner', addedBy: actorId, addedAt: at } },
      ];
    }
    case 'UpdateOrganization': {
      const { name, actorId, at } = command.data;
      requireRole(actorRole(state, actorId), 'owner', 'changing the organization');
      if (name === undefined || validOrganizationName(name) === state.name) return [];
      return [
        { type: 'OrganizationUpdated', data: { organizationId, name: validOrganizationName(name), updatedBy: actorId, updatedAt: at } },
      ];
    }
    case 'SetRateLimits': {
      const { rateLimits, maxRateLimitPerHour, actorId, at } = command.data;
      if (!state.id || state.closed) throw organizationNotFound();
      const next: RateLimitOverrides = { managementPerHour: rateLimits.managementPerHour, ingestPerHour: rateLimits.ingestPerHour };
      for (const [field, value] of Object.entries(next)) {
        if (value !== null && (!Number.isInteger(value) || value < 1 || value > maxRateLimitPerHour)) {
          throw invalid(`/${field}`, `must be null or an integer from 1 to ${maxRateLimitPerHour}`);
        }
      }
      if (next.managementPerHour === state.rateLimits.managementPerHour && next.ingestPerHour === state.rateLimits.ingestPerHour) return [];
      return [
        {
          type: 'OrganizationRateLimitsChanged',
          data: { organizationId, rateLimits: next, previous: state.rateLimits, changedBy: actorId, changedAt: at },
        },
      ];
    }
    case 'InviteMember': {
      const { invitationId, emailHash, email, role, registeredUserId, actorId, at } = command.data;
      const mine = actorRole(state, actorId);
      requireRole(mine, 'admin', 'inviting members');
      if (role === 'owner') requireRole(mine, 'owner', 'inviting an owner');
      // Members are listed to every member already: saying this one is a member tells nothing new.
      if (registeredUserId && state.members[registeredUserId]) {
        throw new OrganizationError(OrganizationErrorCode.MemberAlreadyExists, 'this address belongs to a member already');
      }
      if (Object.values(state.invitations).some((i) => i.emailHash === emailHash)) {
        throw new OrganizationError(OrganizationErrorCode.InvitationPending, 'an invitation for this email is already pending');
      }
      return [{ type: 'MemberInvited', data: { organizationId, invitationId, emailHash, email, role, invitedBy: actorId, invitedAt: at } }];
    }
    case 'AcceptInvitation': {
      const { invitationId, userId, at } = command.data;
      const invitation = state.invitations[invitationId];
      if (!invitation) throw invitationTokenInvalid();
      const accepted: OrganizationEvent = { type: 'InvitationAccepted', data: { organizationId, invitationId, userId, acceptedAt: at } };
      // Already a member some other way: the invitation is settled, the existing role stays.
      if (state.members[userId]) return [accepted];
      return [accepted, { type: 'MemberAdded', data: { organizationId, userId, role: invitation.role, addedBy: userId, addedAt: at } }];
    }
    case 'RevokeInvitation': {
      const { invitationId, actorId, at } = command.data;
      requireRole(actorRole(state, actorId), 'admin', 'revoking invitations');
      if (!state.invitations[invitationId]) throw new OrganizationError(OrganizationErrorCode.InvitationNotFound, 'invitation not found');
      return [{ type: 'InvitationRevoked', data: { organizationId, invitationId, revokedBy: actorId, revokedAt: at } }];
    }
    case 'ChangeMemberRole': {
      const { userId, role, actorId, at } = command.data;
      const mine = actorRole(state, actorId);
      requireRole(mine, 'admin', 'changing roles');
      const previousRole = state.members[userId];
      if (!previousRole) throw new OrganizationError(OrganizationErrorCode.MemberNotFound, 'member not found');
      if (previousRole === role) return [];
      if (previousRole === 'owner' || role === 'owner') requireRole(mine, 'owner', 'granting or taking the owner role');
      if (previousRole === 'owner' && owners(state).length === 1) {
        throw new OrganizationError(OrganizationErrorCode.LastOwner, 'the last owner cannot be demoted: make another member owner first');
      }
      return [{ type: 'MemberRoleChanged', data: { organizationId, userId, role, previousRole, changedBy: actorId, changedAt: at } }];
    }
    case 'RemoveMember': {
      const { userId, actorId, at } = command.data;
      const mine = actorRole(state, actorId);
      if (state.invitations[userId]) {
        requireRole(mine, 'admin', 'revoking invitations');
        return [{ type: 'InvitationRevoked', data: { organizationId, invitationId: userId, revokedBy: actorId, revokedAt: at } }];
      }
      const role = state.members[userId];
      if (!role) throw new OrganizationError(OrganizationErrorCode.MemberNotFound, 'member not found');
      if (userId !== actorId)
        requireRole(mine, role === 'owner' ? 'owner' : 'admin', role === 'owner' ? 'removing an owner' : 'removing members');
      if (role === 'owner' && owners(state).length === 1) {
        throw new OrganizationError(OrganizationErrorCode.LastOwner, 'the last owner cannot leave: make another member owner first');
      }
      return [{ type: 'MemberRemoved', data: { organizationId, userId, role, removedBy: actorId, removedAt: at } }];
    }
    case 'CloseOrganization': {
      const { actorId, reason, at } = command.data;
      requireRole(actorRole(state, actorId), 'owner', 'closing the organization');
      if (Object.keys(state.members).length > 1) {
        throw new OrganizationError(OrganizationErrorCode.LastOwner, 'the organization has other members: make one of them owner first');
      }
      return [{ type: 'OrganizationClosed', data: { organizationId, reason, closedBy: actorId, closedAt: at } }];
    }
    default:
      return assertUnreachable(command);
  }
}

function evolve(state: OrganizationState, event: OrganizationEvent): OrganizationState {
  switch (event.type) {
    case 'OrganizationCreated':
      return { ...state, id: event.data.organizationId, name: event.data.name, createdAt: event.data.createdAt };
    case 'OrganizationUpdated':
      return { ...state, name: event.data.name ?? state.name, rateLimits: event.data.rateLimits ?? state.rateLimits };
    case 'OrganizationRateLimitsChanged':
      return { ...state, rateLimits: event.data.rateLimits };
    case 'MemberAdded':
    case 'MemberRoleChanged':
      return { ...state, members: { ...state.members, [event.data.userId]: event.data.role } };
    case 'MemberRemoved': {
      const { [event.data.userId]: _removed, ...members } = state.members;
      return { ...state, members };
    }
    case 'MemberInvited':
      return {
        ...state,
        invitations: { ...state.invitations, [event.data.invitationId]: { emailHash: event.data.emailHash, role: event.data.role } },
      };
    case 'InvitationAccepted':
    case 'InvitationRevoked': {
      const { [event.data.invitationId]: _settled, ...invitations } = state.invitations;
      return { ...state, invitations };
    }
    // Nobody is a member any more, so every tenant command answers "not found"; pending invitations go with it.
    case 'OrganizationClosed':
      return { ...state, closed: true, members: {}, invitations: {} };
    default:
      return assertUnreachable(event);
  }
}

/** What the user's erasure does to one organization they belong to. */
export type OrganizationExit = 'leave' | 'close' | 'blocked';

/**
 * The rule (docs/security.md, "Erasure"): an organization is never left without an owner. The user leaves every
 * organization that keeps one; one they alone are in is closed with them; one they alone own while others are
 * in it blocks the erasure until they make another member owner.
 */
export function organizationExit(state: OrganizationState, userId: string): OrganizationExit {
  const members = Object.entries(state.members);
  const otherOwners = members.filter(([id, role]) => id !== userId && role === 'owner').length;
  if (state.members[userId] !== 'owner' || otherOwners > 0) return 'leave';
  return members.length === 1 ? 'close' : 'blocked';
}

export const organizationDecider: Decider<OrganizationCommand, OrganizationEvent, OrganizationState> = { decide, evolve, initialState };
