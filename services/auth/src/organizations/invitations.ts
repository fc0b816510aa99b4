import { Inject, Injectable } from '@nestjs/common';
import {
  authStreams,
  type AcceptedInvitation,
  type AcceptInvitationRequest,
  type AuthEvent,
  type CreateInvitationRequest,
  type InvitationRef,
  type InvitationView,
  type RequestContext,
  type Role,
  OrganizationErrorCode,
} from '@llmlab/contracts';
import { EmailLookup, sealField, SubjectKeyStore } from '@llmlab/crypto';
import { organizationScope } from '@llmlab/domain';
import { WriteEffects } from '@llmlab/messaging';
import { CommandRunner, metadataFromContext, PG_POOL, SERVICE_CONFIG } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import type { AuthConfig } from '../auth.config';
import { EmailTokens } from '../mail/email-tokens';
import { Mailer } from '../mail/mailer';
import { actingUser } from '../shared/acting-user';
import { EmailClaims } from '../users/email-claims';
import { userDecider } from '../users/user.decider';
import { organizationDecider } from './organization.decider';
import { invitationTokenInvalid, OrganizationError } from './organization.errors';

const HOUR_MS = 3_600_000;

const ROLE_WORDS: Record<Role, string> = { owner: 'an owner', admin: 'an admin', member: 'a member', viewer: 'a viewer' };

/**
 * Membership only by invitation (docs/security.md, "Invitations"). Inviting mails the address a link with the
 * invitation's own single-use token; the invitation is accepted only with that token, by a signed-in user who
 * either has that very address (the token then proves it, and verifies it) or a verified address of their own.
 * Signing up or logging in with the invited address accepts nothing.
 */
@Injectable()
export class Invitations {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: AuthConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly runner: CommandRunner,
    private readonly effects: WriteEffects<AuthEvent>,
    private readonly lookup: EmailLookup,
    private readonly subjectKeys: SubjectKeyStore,
    private readonly claims: EmailClaims,
    private readonly tokens: EmailTokens,
    private readonly mailer: Mailer,
  ) {}

  /** The answer never says whether the address has an account, nor whose it is. */
  async create(request: CreateInvitationRequest, context: RequestContext): Promise<InvitationView> {
    const scope = organizationScope(context);
    const actorId = actingUser(context);
    const now = new Date();
    const at = now.toISOString();
    const email = request.email.trim();
    const emailHash = this.lookup.hash(email);
    const invitationId = uuidv7();
    const key = await this.subjectKeys.ensure(invitationId);
    let result;
    try {
      result = await this.runner.run(
        authStreams.organization(scope.organizationId),
        organizationDecider,
        {
          type: 'InviteMember',
          data: {
            invitationId,
            emailHash,
            email: sealField(key, invitationId, 'email', email),
            role: request.role,
            registeredUserId: await this.claims.registeredUser(emailHash),
            actorId,
            at,
          },
        },
        { metadata: metadataFromContext() },
      );
    } catch (err) {
      await this.subjectKeys.destroy(invitationId);
      throw err;
    }
    const token = await this.tokens.issue('invitation', invitationId, this.config.INVITATION_TTL_HOURS * HOUR_MS, now);
    await this.effects.settle(result.position, result.events);
    const link = `${this.config.APP_URL.replace(/\/$/, '')}/invitations/accept?token=${encodeURIComponent(token)}`;
    await this.mailer.send({
      template: 'invitation',
      to: email,
      subject: `You are invited to ${result.state.name} on LLMLab`,
      text:
        `You are invited to join the organization "${result.state.name}" on LLMLab as ${ROLE_WORDS[request.role]}.\n\n` +
        `Accept the invitation (sign up or log in first if you have to):\n${link}\n\n` +
        `The link works once and expires in ${this.config.INVITATION_TTL_HOURS} hours. If you did not expect it, ignore this mail.\n`,
    });
    return { invitationId, email, role: request.role, invitedBy: actorId, invitedAt: at };
  }

  async accept(request: AcceptInvitationRequest, context: RequestContext): Promise<AcceptedInvitation> {
    const userId = actingUser(context);
    const now = new Date();
    const invitationId = await this.tokens.peek('invitation', request.token, now);
    if (!invitationId) throw invitationTokenInvalid();
    const { rows } = await this.pool.query<{ organization_id: string; email_hash: string; status: string }>(
      `SELECT organization_id, email_hash, status FROM auth.invitations WHERE id = $1`,
      [invitationId],
    );
    const invitation = rows[0];
    if (!invitation || invitation.status !== 'pending') throw invitationTokenInvalid();

    const { state: user } = await this.runner.load(authStreams.user(userId), userDecider);
    // An access token outlives its user's erasure by up to its lifetime: it must not join anything.
    if (user.erased) throw invitationTokenInvalid();
    const sameAddress = user.emailHash === invitation.email_hash;
    if (!sameAddress && !user.emailVerified) {
      throw new OrganizationError(
        OrganizationErrorCode.EmailNotVerified,
        'verify the address of your account before joining an organization with it (or sign in with the invited address)',
      );
    }
    if ((await this.tokens.consume('invitation', request.token, now)) !== invitationId) throw invitationTokenInvalid();

    const at = now.toISOString();
    const metadata = metadataFromContext({ actor: { type: 'user', id: userId }, organizationId: invitation.organization_id });
    const accepted = await this.runner.run(
      authStreams.organization(invitation.organization_id),
      organizationDecider,
      { type: 'AcceptInvitation', data: { invitationId, userId, at } },
      { metadata },
    );
    await this.subjectKeys.destroy(invitationId);
    const events: AuthEvent[] = [...accepted.events];
    let position = accepted.position;
    // The mail reached this address: the invitee proved they receive mail there.
    if (sameAddress && !user.emailVerified) {
      const verified = await this.runner.run(
        authStreams.user(userId),
        userDecider,
        { type: 'VerifyEmail', data: { userId, method: 'invitation-link', at } },
        { metadata },
      );
      position = Math.max(position ?? 0, verified.position ?? 0);
      events.push(...verified.events);
    }
    await this.effects.settle(position, events);
    return {
      organizationId: invitation.organization_id,
      organizationName: accepted.state.name,
      role: accepted.state.members[userId],
    };
  }

  async revoke(request: InvitationRef, context: RequestContext): Promise<Record<string, never>> {
    const scope = organizationScope(context);
    const now = new Date();
    const result = await this.runner.run(
      authStreams.organization(scope.organizationId),
      organizationDecider,
      { type: 'RevokeInvitation', data: { invitationId: request.invitationId, actorId: actingUser(context), at: now.toISOString() } },
      { metadata: metadataFromContext() },
    );
    await this.settled(request.invitationId, now);
    await this.effects.settle(result.position, result.events);
    return {};
  }

  /** A revoked invitation: its link stops working and its address is shredded. */
  async settled(invitationId: string, now: Date): Promise<void> {
    await this.tokens.retire(invitationId, now);
    await this.subjectKeys.destroy(invitationId);
  }
}
