import { Inject, Injectable } from '@nestjs/common';
import { authStreams, type OrganizationEvent } from '@llmlab/contracts';
import { metadataFromContext, PG_POOL, CommandRunner } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import { SubjectKeyStore } from '@llmlab/crypto';
import { organizationDecider } from './organization.decider';

/**
 * Pending invitations of an email turn into memberships when its owner signs up or logs in. The invitation's
 * key is destroyed then: the invitee is a user now, and the address in the invitation event is shredded.
 */
@Injectable()
export class InvitationAcceptance {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly runner: CommandRunner,
    private readonly subjectKeys: SubjectKeyStore,
  ) {}

  async acceptPending(userId: string, emailHash: string, now: Date): Promise<{ position?: number; events: OrganizationEvent[] }> {
    const { rows } = await this.pool.query<{ id: string; organization_id: string }>(
      `SELECT id, organization_id FROM auth.invitations WHERE email_hash = $1 AND status = 'pending' ORDER BY invited_at`,
      [emailHash],
    );
    let position: number | undefined;
    const events: OrganizationEvent[] = [];
    for (const invitation of rows) {
      const result = await this.runner.run(
        authStreams.organization(invitation.organization_id),
        organizationDecider,
        { type: 'AcceptInvitation', data: { invitationId: invitation.id, userId, at: now.toISOString() } },
        { metadata: metadataFromContext({ actor: { type: 'user', id: userId }, organizationId: invitation.organization_id }) },
      );
      await this.subjectKeys.destroy(invitation.id);
      position = result.position ?? position;
      events.push(...result.events);
    }
    return { position, events };
  }
}
