import { Inject, Injectable } from '@nestjs/common';
import { authStreams, type SignupRequest, type SignupResult, type AuthEvent } from '@llmlab/contracts';
import { metadataFromContext, PG_POOL, CommandRunner } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { EmailLookup, sealField, SubjectKeyStore } from '@llmlab/crypto';
import { validOrganizationName } from '../organizations/organization.decider';
import { OrganizationHandler } from '../organizations/organization.handler';
import { SessionHandler } from '../sessions/session.handler';
import { WriteEffects } from '@llmlab/messaging';
import { emailClaimDecider } from './email-claim.decider';
import { EmailVerification } from './email-verification';
import { EmailClaims } from './email-claims';
import { Passwords } from './passwords';
import { assertDisplayName, assertPasswordPolicy, userDecider } from './user.decider';

/** Not derived from the user's name: an organization's name is not encrypted, a person's name is. */
export const DEFAULT_ORGANIZATION_NAME = 'My organization';

@Injectable()
export class UserHandler {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly runner: CommandRunner,
    private readonly effects: WriteEffects<AuthEvent>,
    private readonly lookup: EmailLookup,
    private readonly claims: EmailClaims,
    private readonly subjectKeys: SubjectKeyStore,
    private readonly passwords: Passwords,
    private readonly organizations: OrganizationHandler,
    private readonly verification: EmailVerification,
    private readonly sessions: SessionHandler,
  ) {}

  /**
   * Claims the email (one account per address, decided on the write side), stores the password hash, registers
   * the user with the email and name encrypted under the user's own key, creates the user's first organization,
   * starts a session, and mails the verification link. Pending invitations of the address are not accepted: only
   * their own link does that (docs/security.md).
   */
  async signup(request: SignupRequest): Promise<SignupResult> {
    assertPasswordPolicy(request.password);
    const name = assertDisplayName(request.name);
    const organizationName = validOrganizationName(request.organizationName ?? DEFAULT_ORGANIZATION_NAME, '/organizationName');
    const email = request.email.trim();
    const now = new Date();
    const at = now.toISOString();
    const userId = uuidv7();
    const emailHash = this.lookup.hash(email);
    const metadata = metadataFromContext({ actor: { type: 'user', id: userId } });

    const { holderRegistered } = await this.claims.current(emailHash);
    await this.runner.run(
      authStreams.emailClaim(emailHash),
      emailClaimDecider,
      { type: 'ClaimEmail', data: { emailHash, userId, at, holderRegistered } },
      {
        metadata,
      },
    );
    const key = await this.subjectKeys.ensure(userId);
    await this.pool.query(`INSERT INTO auth.credentials (user_id, password_hash) VALUES ($1, $2)`, [
      userId,
      await this.passwords.hash(request.password),
    ]);
    const registered = await this.runner.run(
      authStreams.user(userId),
      userDecider,
      {
        type: 'RegisterUser',
        data: { userId, emailHash, email: sealField(key, userId, 'email', email), name: sealField(key, userId, 'name', name), at },
      },
      { metadata },
    );
    const organization = await this.organizations.createOwned(userId, organizationName, now);
    const session = await this.sessions.start(userId, 'signup', now);
    const position = Math.max(registered.position ?? 0, organization.position ?? 0);
    await this.effects.settle(position, organization.events);
    await this.verification.send(userId, email, now);
    return {
      user: { id: userId, email, name, createdAt: at, emailVerified: false },
      organization: organization.view,
      ...session.tokens,
    };
  }
}
