import { Inject, Injectable } from '@nestjs/common';
import {
  authStreams,
  type AddMemberRequest,
  type AddMemberResult,
  type CreateOrganizationRequest,
  type MemberRef,
  type MemberView,
  type OperatorRateLimitsView,
  type OrganizationView,
  type RequestContext,
  type SetRateLimitsRequest,
  type UpdateMemberRequest,
  type UpdateOrganizationRequest,
  type AuthEvent,
  UserErrorCode,
} from '@llmlab/contracts';
import { metadataFromContext, CommandRunner, PG_POOL, SERVICE_CONFIG } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import type { AuthConfig } from '../auth.config';
import { actingOperator } from '../shared/acting-operator';
import { actingUser } from '../shared/acting-user';
import { WriteEffects } from '@llmlab/messaging';
import { Invitations } from './invitations';
import { organizationDecider, type OrganizationState } from './organization.decider';
import { organizationLimitReached } from './organization.errors';
import { OrganizationQueries } from './organization.queries';
import { organizationScope } from '@llmlab/domain';
import { UserError } from '../users/user.errors';

/** Organizations and their members: every change goes through the organization's decider. */
@Injectable()
export class OrganizationHandler {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: AuthConfig,
    private readonly runner: CommandRunner,
    private readonly effects: WriteEffects<AuthEvent>,
    private readonly queries: OrganizationQueries,
    private readonly invitations: Invitations,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  /**
   * A new organization owned by the caller, who may own at most MAX_ORGANIZATIONS_PER_USER: each organization
   * has its own rate-limit buckets, so unlimited creation would multiply them. Creations by one user are
   * serialized (an advisory lock held until the read model has the new membership), so parallel requests cannot
   * all pass the count.
   */
  async create(request: CreateOrganizationRequest, context: RequestContext): Promise<OrganizationView> {
    const userId = actingUser(context);
    const lock = await this.pool.connect();
    try {
      await lock.query(`SELECT pg_advisory_lock(hashtext($1))`, [`llmlab.auth.create-organization:${userId}`]);
      // An access token outlives its user's erasure by up to its lifetime: it must not found an organization.
      const erased = await lock.query(`SELECT 1 FROM auth.users WHERE id = $1 AND erased_at IS NOT NULL`, [userId]);
      if (erased.rowCount) throw new UserError(UserErrorCode.NotFound, 'user not found');
      const { rows } = await lock.query<{ owned: number }>(
        `SELECT count(*)::int AS owned FROM auth.memberships WHERE user_id = $1 AND role = 'owner'`,
        [userId],
      );
      if (rows[0].owned >= this.config.MAX_ORGANIZATIONS_PER_USER) throw organizationLimitReached(this.config.MAX_ORGANIZATIONS_PER_USER);
      const created = await this.createOwned(userId, request.name, new Date());
      await this.effects.settle(created.position, created.events);
      return created.view;
    } finally {
      await lock.query(`SELECT pg_advisory_unlock(hashtext($1))`, [`llmlab.auth.create-organization:${userId}`]).catch(() => undefined);
      lock.release();
    }
  }

  /** A new organization owned by `userId`; the caller settles the effects (signup does it once for all). */
  async createOwned(userId: string, name: string, now: Date) {
    const organizationId = uuidv7();
    const result = await this.runner.run(
      authStreams.organization(organizationId),
      organizationDecider,
      { type: 'CreateOrganization', data: { organizationId, name, actorId: userId, at: now.toISOString() } },
      { metadata: metadataFromContext({ actor: { type: 'user', id: userId }, organizationId }) },
    );
    return { view: view(result.state, userId, result.revision), position: result.position, events: result.events };
  }

  async update(request: UpdateOrganizationRequest, context: RequestContext): Promise<OrganizationView> {
    const scope = organizationScope(context);
    const actorId = actingUser(context);
    const result = await this.runner.run(
      authStreams.organization(scope.organizationId),
      organizationDecider,
      {
        type: 'UpdateOrganization',
        data: { name: request.name, actorId, at: new Date().toISOString() },
      },
      { metadata: metadataFromContext(), expectedRevision: request.expectedRevision },
    );
    await this.effects.settle(result.position, result.events);
    return view(result.state, actorId, result.revision);
  }

  /**
   * The operator sets an organization's rate limits (never its owner: more organizations would otherwise mean more
   * capacity for one tenant). The event's actor is `operator`, so the change is in the audit log like any other.
   */
  async setRateLimits(request: SetRateLimitsRequest, context: RequestContext): Promise<OperatorRateLimitsView> {
    const operator = actingOperator(context);
    const scope = organizationScope(context);
    const result = await this.runner.run(
      authStreams.organization(scope.organizationId),
      organizationDecider,
      {
        type: 'SetRateLimits',
        data: {
          rateLimits: { managementPerHour: request.managementPerHour, ingestPerHour: request.ingestPerHour },
          maxRateLimitPerHour: this.config.RATE_LIMIT_OVERRIDE_MAX_PER_HOUR,
          actorId: operator,
          at: new Date().toISOString(),
        },
      },
      { metadata: metadataFromContext(), expectedRevision: request.expectedRevision },
    );
    await this.effects.settle(result.position, result.events);
    return { organizationId: scope.organizationId, ...result.state.rateLimits, revision: result.revision };
  }

  /** Kept for existing clients: adding a member creates an invitation, exactly as `POST .../invitations` does. */
  async addMember(request: AddMemberRequest, context: RequestContext): Promise<AddMemberResult> {
    return { status: 'invited', invitation: await this.invitations.create(request, context) };
  }

  async updateMember(request: UpdateMemberRequest, context: RequestContext): Promise<MemberView> {
    const scope = organizationScope(context);
    const result = await this.runner.run(
      authStreams.organization(scope.organizationId),
      organizationDecider,
      {
        type: 'ChangeMemberRole',
        data: { userId: request.userId, role: request.role, actorId: actingUser(context), at: new Date().toISOString() },
      },
      { metadata: metadataFromContext() },
    );
    await this.effects.settle(result.position, result.events);
    return this.queries.member(scope, request.userId);
  }

  async removeMember(request: MemberRef, context: RequestContext): Promise<Record<string, never>> {
    const scope = organizationScope(context);
    const result = await this.runner.run(
      authStreams.organization(scope.organizationId),
      organizationDecider,
      { type: 'RemoveMember', data: { userId: request.userId, actorId: actingUser(context), at: new Date().toISOString() } },
      { metadata: metadataFromContext() },
    );
    const now = new Date();
    for (const event of result.events) if (event.type === 'InvitationRevoked') await this.invitations.settled(event.data.invitationId, now);
    await this.effects.settle(result.position, result.events);
    return {};
  }
}

function view(state: OrganizationState, userId: string, revision: number): OrganizationView {
  return {
    id: state.id!,
    name: state.name,
    createdAt: state.createdAt!,
    role: state.members[userId],
    rateLimits: state.rateLimits,
    revision,
  };
}
