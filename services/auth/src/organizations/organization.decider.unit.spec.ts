import type { OrganizationEvent, RateLimitOverrides, Role } from '@llmlab/contracts';
import { deciderSpec } from '@llmlab/testing';
import { organizationDecider, organizationExit } from './organization.decider';

const spec = deciderSpec(organizationDecider);
const at = '2026-11-27T10:00:00.000Z';
const org = 'org-1';
const [ada, bob, cy, dee] = ['u-ada', 'u-bob', 'u-cy', 'u-dee'];

const created: OrganizationEvent = {
  type: 'OrganizationCreated',
  data: { organizationId: org, name: 'Acme', createdBy: ada, createdAt: at },
};
const member = (userId: string, role: Role): OrganizationEvent => ({
  type: 'MemberAdded',
  data: { organizationId: org, userId, role, addedBy: ada, addedAt: at },
});
/** Ada owns Acme; Bob is admin, Cy member, Dee viewer. */
const team = [created, member(ada, 'owner'), member(bob, 'admin'), member(cy, 'member'), member(dee, 'viewer')];
const invited: OrganizationEvent = {
  type: 'MemberInvited',
  data: { organizationId: org, invitationId: 'inv-1', emailHash: 'h-eve', email: 'cipher', role: 'member', invitedBy: ada, invitedAt: at },
};

describe('organization decider', () => {
  describe('CreateOrganization', () => {
    it('creates the organization with its creator as owner', () =>
      spec
        .given([])
        .when({ type: 'CreateOrganization', data: { organizationId: org, name: '  Acme ', actorId: ada, at } })
        .then([created, member(ada, 'owner')]));

    it('refuses an empty name', () =>
      spec
        .given([])
        .when({ type: 'CreateOrganization', data: { organizationId: org, name: '  ', actorId: ada, at } })
        .thenThrows({ code: 'ORGANIZATION_INVALID', errors: [{ field: '/name' }] }));

    it('refuses to create it twice', () =>
      spec
        .given(team)
        .when({ type: 'CreateOrganization', data: { organizationId: org, name: 'Acme', actorId: ada, at } })
        .thenThrows({ code: 'ORGANIZATION_ALREADY_EXISTS' }));
  });

  describe('UpdateOrganization', () => {
    const update = (actorId: string, data: { name?: string }) => ({ type: 'UpdateOrganization', data: { ...data, actorId, at } }) as const;

    it('renames for an owner', () =>
      spec
        .given(team)
        .when(update(ada, { name: 'Acme 2' }))
        .then([{ type: 'OrganizationUpdated', data: { organizationId: org, name: 'Acme 2', updatedBy: ada, updatedAt: at } }]));

    it('records nothing when nothing changes', () =>
      spec
        .given(team)
        .when(update(ada, { name: 'Acme' }))
        .thenNothing());

    it('is for owners only', () =>
      spec
        .given(team)
        .when(update(bob, { name: 'Mine now' }))
        .thenThrows({ code: 'ORGANIZATION_FORBIDDEN' }));

    it('answers a stranger as if the organization did not exist', () =>
      spec
        .given(team)
        .when(update('u-stranger', { name: 'x' }))
        .thenThrows({ code: 'ORGANIZATION_NOT_FOUND' }));
  });

  describe('SetRateLimits (the operator)', () => {
    const set = (managementPerHour: number | null, ingestPerHour: number | null) =>
      ({
        type: 'SetRateLimits',
        data: { rateLimits: { managementPerHour, ingestPerHour }, maxRateLimitPerHour: 10_000, actorId: 'operator', at },
      }) as const;
    const changed = (
      rateLimits: RateLimitOverrides,
      previous: RateLimitOverrides = { managementPerHour: null, ingestPerHour: null },
    ): OrganizationEvent => ({
      type: 'OrganizationRateLimitsChanged',
      data: { organizationId: org, rateLimits, previous, changedBy: 'operator', changedAt: at },
    });

    it('sets both limits, keeping the previous ones in the event', () => {
      spec
        .given(team)
        .when(set(5_000, null))
        .then([changed({ managementPerHour: 5_000, ingestPerHour: null })]);
      spec
        .given([...team, changed({ managementPerHour: 5_000, ingestPerHour: null })])
        .when(set(null, 10_000))
        .then([changed({ managementPerHour: null, ingestPerHour: 10_000 }, { managementPerHour: 5_000, ingestPerHour: null })]);
    });

    it('records nothing when the limits are already those, also when an owner set them before the operator API', () => {
      spec.given(team).when(set(null, null)).thenNothing();
      const legacy: OrganizationEvent = {
        type: 'OrganizationUpdated',
        data: { organizationId: org, rateLimits: { managementPerHour: 7, ingestPerHour: null }, updatedBy: ada, updatedAt: at },
      };
      spec
        .given([...team, legacy])
        .when(set(7, null))
        .thenNothing();
    });

    it('refuses a limit outside 1 to the platform maximum, naming the field', () => {
      spec
        .given(team)
        .when(set(null, 10_001))
        .thenThrows({ code: 'ORGANIZATION_INVALID', errors: [{ field: '/ingestPerHour' }] });
      spec
        .given(team)
        .when(set(0, null))
        .thenThrows({ code: 'ORGANIZATION_INVALID', errors: [{ field: '/managementPerHour' }] });
      spec
        .given(team)
        .when(set(1.5, null))
        .thenThrows({ code: 'ORGANIZATION_INVALID', errors: [{ field: '/managementPerHour' }] });
    });

    it('answers an unknown organization as not found', () => spec.given([]).when(set(5, 5)).thenThrows({ code: 'ORGANIZATION_NOT_FOUND' }));
  });

  describe('invitations', () => {
    const invite = (actorId: string, role: Role, registeredUserId: string | null = null, invitationId = 'inv-1', emailHash = 'h-eve') =>
      ({ type: 'InviteMember', data: { invitationId, emailHash, email: 'cipher', role, registeredUserId, actorId, at } }) as const;

    it('records an invitation, also for an address that has an account: adding is never direct', () => {
      spec.given(team).when(invite(ada, 'member')).then([invited]);
      spec
        .given(team)
        .when(invite(ada, 'member', 'u-eve'))
        .then([invited]);
    });

    it('lets an admin invite, not invite an owner; a member invites nobody', () => {
      spec
        .given(team)
        .when(invite(bob, 'viewer'))
        .then([{ ...invited, data: { ...invited.data, role: 'viewer', invitedBy: bob } } as OrganizationEvent]);
      spec.given(team).when(invite(bob, 'owner')).thenThrows({ code: 'ORGANIZATION_FORBIDDEN' });
      spec.given(team).when(invite(cy, 'viewer')).thenThrows({ code: 'ORGANIZATION_FORBIDDEN' });
    });

    it('refuses inviting the address of a member', () =>
      spec
        .given(team)
        .when(invite(ada, 'admin', dee))
        .thenThrows({ code: 'MEMBER_ALREADY_EXISTS' }));

    it('refuses a second pending invitation for the same email', () =>
      spec
        .given([...team, invited])
        .when(invite(ada, 'viewer', null, 'inv-2'))
        .thenThrows({ code: 'INVITATION_ALREADY_PENDING' }));

    it('turns an accepted invitation into a membership with the invited role', () =>
      spec
        .given([...team, invited])
        .when({ type: 'AcceptInvitation', data: { invitationId: 'inv-1', userId: 'u-eve', at } })
        .then([
          { type: 'InvitationAccepted', data: { organizationId: org, invitationId: 'inv-1', userId: 'u-eve', acceptedAt: at } },
          { type: 'MemberAdded', data: { organizationId: org, userId: 'u-eve', role: 'member', addedBy: 'u-eve', addedAt: at } },
        ]));

    it('refuses an invitation that is no longer pending', () => {
      const revoked: OrganizationEvent = {
        type: 'InvitationRevoked',
        data: { organizationId: org, invitationId: 'inv-1', revokedBy: ada, revokedAt: at },
      };
      spec
        .given([...team, invited, revoked])
        .when({ type: 'AcceptInvitation', data: { invitationId: 'inv-1', userId: 'u-eve', at } })
        .thenThrows({ code: 'INVITATION_TOKEN_INVALID', errors: [{ field: '/token' }] });
    });

    it('revokes a pending invitation for an admin, not for a member, and not twice', () => {
      const revoke = (actorId: string) => ({ type: 'RevokeInvitation', data: { invitationId: 'inv-1', actorId, at } }) as const;
      spec
        .given([...team, invited])
        .when(revoke(bob))
        .then([{ type: 'InvitationRevoked', data: { organizationId: org, invitationId: 'inv-1', revokedBy: bob, revokedAt: at } }]);
      spec
        .given([...team, invited])
        .when(revoke(cy))
        .thenThrows({ code: 'ORGANIZATION_FORBIDDEN' });
      spec.given(team).when(revoke(ada)).thenThrows({ code: 'INVITATION_NOT_FOUND' });
    });
  });

  describe('ChangeMemberRole', () => {
    const change = (actorId: string, userId: string, role: Role) =>
      ({ type: 'ChangeMemberRole', data: { userId, role, actorId, at } }) as const;

    it('lets an admin change a non-owner role', () =>
      spec
        .given(team)
        .when(change(bob, dee, 'member'))
        .then([
          {
            type: 'MemberRoleChanged',
            data: { organizationId: org, userId: dee, role: 'member', previousRole: 'viewer', changedBy: bob, changedAt: at },
          },
        ]));

    it('lets only owners grant the owner role', () =>
      spec
        .given(team)
        .when(change(bob, cy, 'owner'))
        .thenThrows({ code: 'ORGANIZATION_FORBIDDEN' }));

    it('refuses to demote the last owner', () =>
      spec
        .given(team)
        .when(change(ada, ada, 'admin'))
        .thenThrows({ code: 'LAST_OWNER' }));

    it('demotes an owner when another owner remains', () =>
      spec
        .given([
          ...team,
          {
            type: 'MemberRoleChanged',
            data: { organizationId: org, userId: bob, role: 'owner', previousRole: 'admin', changedBy: ada, changedAt: at },
          },
        ])
        .when(change(bob, ada, 'viewer'))
        .then([
          {
            type: 'MemberRoleChanged',
            data: { organizationId: org, userId: ada, role: 'viewer', previousRole: 'owner', changedBy: bob, changedAt: at },
          },
        ]));

    it('answers an unknown member with 404', () =>
      spec
        .given(team)
        .when(change(ada, 'u-nobody', 'viewer'))
        .thenThrows({ code: 'MEMBER_NOT_FOUND' }));

    it('records nothing for the same role', () =>
      spec
        .given(team)
        .when(change(ada, cy, 'member'))
        .thenNothing());
  });

  describe('RemoveMember', () => {
    const remove = (actorId: string, userId: string) => ({ type: 'RemoveMember', data: { userId, actorId, at } }) as const;

    it('lets anyone leave', () =>
      spec
        .given(team)
        .when(remove(dee, dee))
        .then([{ type: 'MemberRemoved', data: { organizationId: org, userId: dee, role: 'viewer', removedBy: dee, removedAt: at } }]));

    it('does not let a viewer remove someone else', () =>
      spec.given(team).when(remove(dee, cy)).thenThrows({ code: 'ORGANIZATION_FORBIDDEN' }));

    it('lets an admin remove a member but not an owner', () => {
      spec
        .given(team)
        .when(remove(bob, cy))
        .then([{ type: 'MemberRemoved', data: { organizationId: org, userId: cy, role: 'member', removedBy: bob, removedAt: at } }]);
      spec.given(team).when(remove(bob, ada)).thenThrows({ code: 'ORGANIZATION_FORBIDDEN' });
    });

    it('keeps the last owner', () => spec.given(team).when(remove(ada, ada)).thenThrows({ code: 'LAST_OWNER' }));

    it('revokes a pending invitation named by its id (admins)', () => {
      spec
        .given([...team, invited])
        .when(remove(bob, 'inv-1'))
        .then([{ type: 'InvitationRevoked', data: { organizationId: org, invitationId: 'inv-1', revokedBy: bob, revokedAt: at } }]);
      spec
        .given([...team, invited])
        .when(remove(cy, 'inv-1'))
        .thenThrows({ code: 'ORGANIZATION_FORBIDDEN' });
    });

    it('answers a removed member like a stranger afterwards', () =>
      spec
        .given([
          ...team,
          { type: 'MemberRemoved', data: { organizationId: org, userId: cy, role: 'member', removedBy: ada, removedAt: at } },
        ])
        .when(remove(cy, dee))
        .thenThrows({ code: 'ORGANIZATION_NOT_FOUND' }));
  });

  describe('CloseOrganization', () => {
    const close = (actorId: string) => ({ type: 'CloseOrganization', data: { actorId, reason: 'owner_erased', at } }) as const;
    const closed: OrganizationEvent = {
      type: 'OrganizationClosed',
      data: { organizationId: org, reason: 'owner_erased', closedBy: ada, closedAt: at },
    };

    it("closes an organization whose only member is its owner (the owner's erasure)", () =>
      spec
        .given([created, member(ada, 'owner')])
        .when(close(ada))
        .then([closed]));

    it('refuses while other members are left', () => spec.given(team).when(close(ada)).thenThrows({ code: 'LAST_OWNER' }));

    it('is not for non-owners or strangers', () => {
      spec.given(team).when(close(bob)).thenThrows({ code: 'ORGANIZATION_FORBIDDEN' });
      spec
        .given([created, member(ada, 'owner')])
        .when(close(bob))
        .thenThrows({ code: 'ORGANIZATION_NOT_FOUND' });
    });

    it('leaves nobody in it: every command answers not found, a pending invitation cannot be accepted', () => {
      spec
        .given([created, member(ada, 'owner'), invited, closed])
        .when({ type: 'UpdateOrganization', data: { name: 'Other', actorId: ada, at } })
        .thenThrows({ code: 'ORGANIZATION_NOT_FOUND' });
      spec
        .given([created, member(ada, 'owner'), invited, closed])
        .when({ type: 'AcceptInvitation', data: { invitationId: 'inv-1', userId: bob, at } })
        .thenThrows({ code: 'INVITATION_TOKEN_INVALID' });
      spec
        .given([created, member(ada, 'owner'), closed])
        .when({
          type: 'SetRateLimits',
          data: { rateLimits: { managementPerHour: 5, ingestPerHour: null }, maxRateLimitPerHour: 10, actorId: 'operator', at },
        })
        .thenThrows({ code: 'ORGANIZATION_NOT_FOUND' });
    });
  });

  describe("a member's erasure (organizationExit)", () => {
    const state = (events: OrganizationEvent[]) => events.reduce(organizationDecider.evolve, organizationDecider.initialState());
    const promoted: OrganizationEvent = {
      type: 'MemberRoleChanged',
      data: { organizationId: org, userId: bob, role: 'owner', previousRole: 'admin', changedBy: ada, changedAt: at },
    };

    it('leaves where another owner stays, or where the user is not an owner', () => {
      expect(organizationExit(state(team), bob)).toBe('leave');
      expect(organizationExit(state([...team, promoted]), ada)).toBe('leave');
    });
    it('closes the organization the user alone is in', () =>
      expect(organizationExit(state([created, member(ada, 'owner')]), ada)).toBe('close'));
    it('is blocked where the user is the only owner and others are members', () =>
      expect(organizationExit(state(team), ada)).toBe('blocked'));
  });
});
