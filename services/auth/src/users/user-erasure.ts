import { Inject, Injectable } from '@nestjs/common';
import {
  authStreams,
  type AuthEvent,
  type EraseMeRequest,
  type OrganizationEvent,
  type RequestContext,
  UserErrorCode,
} from '@llmlab/contracts';
import { SubjectKeyStore } from '@llmlab/crypto';
import { WriteEffects } from '@llmlab/messaging';
import { CommandRunner, metadataFromContext, PG_POOL } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import { Invitations } from '../organizations/invitations';
import { organizationDecider, organizationExit, type OrganizationState } from '../organizations/organization.decider';
import { SessionHandler } from '../sessions/session.handler';
import { actingUser } from '../shared/acting-user';
import { emailClaimDecider } from './email-claim.decider';
import { Passwords } from './passwords';
import { userDecider } from './user.decider';
import { passwordIncorrect, soleOwner, UserError } from './user.errors';

/**
 * `DELETE /v1/me`: erases the caller (GDPR art. 17) by crypto-shredding. Their email and name exist only as
 * ciphertexts under their own key; destroying the key makes every copy unreadable (events, read models, JetStream),
 * and the chain and its proofs are untouched. API keys they created stay: they belong to the organization.
 *
 * Order matters for a crash half-way: everything that needs the password or the key comes before it is deleted,
 * and every step is idempotent, so the user (whose password still works until the very end) can simply retry.
 */
@Injectable()
export class UserErasure {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly runner: CommandRunner,
    private readonly effects: WriteEffects<AuthEvent>,
    private readonly passwords: Passwords,
    private readonly subjectKeys: SubjectKeyStore,
    private readonly sessions: SessionHandler,
    private readonly invitations: Invitations,
  ) {}

  async erase(request: EraseMeRequest, context: RequestContext): Promise<Record<string, never>> {
    const userId = actingUser(context);
    const { rows } = await this.pool.query<{ password_hash: string }>(`SELECT password_hash FROM auth.credentials WHERE user_id = $1`, [
      userId,
    ]);
    if (!(await this.passwords.verify(rows[0]?.password_hash, request.password ?? ''))) throw passwordIncorrect();
    const user = await this.runner.load(authStreams.user(userId), userDecider);
    if (!user.state.registered) throw new UserError(UserErrorCode.NotFound, 'user not found');

    const organizations = await this.organizationsOf(userId);
    const blocked = organizations.filter((o) => organizationExit(o.state, userId) === 'blocked').map((o) => o.id);
    if (blocked.length) throw soleOwner(blocked);

    const now = new Date();
    const at = now.toISOString();
    const events: AuthEvent[] = [];
    let position: number | undefined;
    const track = (result: { events: AuthEvent[]; position?: number }) => {
      events.push(...result.events);
      position = result.position ?? position;
    };

    for (const organization of organizations) {
      const close = organizationExit(organization.state, userId) === 'close';
      const result = await this.runner.run(
        authStreams.organization(organization.id),
        organizationDecider,
        close
          ? { type: 'CloseOrganization', data: { actorId: userId, reason: 'owner_erased', at } }
          : { type: 'RemoveMember', data: { userId, actorId: userId, at } },
        { metadata: metadataFromContext({ organizationId: organization.id }) },
        organization,
      );
      track(result);
      // A closed organization's pending invitations are over: their keys and tokens go too.
      if (result.events.some((e: OrganizationEvent) => e.type === 'OrganizationClosed')) {
        for (const invitationId of Object.keys(organization.state.invitations)) await this.invitations.settled(invitationId, now);
      }
    }
    position = (await this.sessions.eraseAllOf(userId, now)) ?? position;

    const metadata = metadataFromContext({ actor: { type: 'user', id: userId } });
    track(await this.runner.run(authStreams.user(userId), userDecider, { type: 'EraseUser', data: { userId, at } }, { metadata }, user));
    if (user.state.emailHash) {
      const emailHash = user.state.emailHash;
      track(
        await this.runner.run(
          authStreams.emailClaim(emailHash),
          emailClaimDecider,
          { type: 'ReleaseEmail', data: { emailHash, userId, at } },
          { metadata },
        ),
      );
    }

    // The shredding itself, then what only the living account needed.
    await this.subjectKeys.destroy(userId);
    await this.pool.query(`DELETE FROM auth.email_tokens WHERE subject_id = $1`, [userId]);
    await this.pool.query(`DELETE FROM auth.credentials WHERE user_id = $1`, [userId]);
    await this.effects.settle(position, events);
    return {};
  }

  /** The user's organizations, each as its own stream has it (the write side decides, not the read model). */
  private async organizationsOf(userId: string): Promise<{ id: string; state: OrganizationState; revision: number }[]> {
    const { rows } = await this.pool.query<{ organization_id: string }>(
      `SELECT organization_id FROM auth.memberships WHERE user_id = $1 ORDER BY joined_at`,
      [userId],
    );
    const loaded = await Promise.all(
      rows.map(async (r) => ({
        id: r.organization_id,
        ...(await this.runner.load(authStreams.organization(r.organization_id), organizationDecider)),
      })),
    );
    return loaded.filter((o) => o.state.members[userId] !== undefined);
  }
}
