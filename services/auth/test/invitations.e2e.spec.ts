import { createHash, randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import {
  Agent,
  joinOrganization,
  signUp,
  startPlatformSession,
  TestPlatform,
  verifyEmail,
  type PlatformSession,
  type SignedUpUser,
} from '@llmlab/testing';

jest.setTimeout(180_000);

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');
const address = (name: string) => `${name}-${randomBytes(4).toString('hex')}@victim.example`;

// Issue 9, hole 2: addresses are verified by a mailed single-use link, and membership is only by an invitation
// accepted with its own mailed token. Mail goes through a real SMTP server (TestPlatform's mailbox).
describe('email verification and invitations', () => {
  let session: PlatformSession;
  let platform: TestPlatform;
  let pool: Pool;
  let owner: SignedUpUser;
  let anonymous: Agent;

  beforeAll(async () => {
    session = await startPlatformSession({
      services: ['gateway', 'auth'],
      env: {
        APP_URL: 'https://app.llmlab.example',
        VERIFICATION_RESEND_PER_ACCOUNT_PER_HOUR: '2',
        VERIFICATION_RESEND_PER_IP_PER_HOUR: '5',
        LOG_LEVEL: 'info',
      },
    });
    ({ platform, pool, anonymous } = session);
    owner = await signUp(platform.gatewayUrl, { email: address('owner'), organizationName: 'Victim Corp' });
  });
  afterAll(() => session?.stop());

  const me = async (user: SignedUpUser) => (await user.agent.get('/v1/me')).body;
  const memberIds = async () =>
    (await owner.agent.get(`/v1/organizations/${owner.organizationId}/members`)).body.data.map((m: { userId: string }) => m.userId);
  const invite = (email: string, role = 'admin') =>
    owner.agent.post(`/v1/organizations/${owner.organizationId}/invitations`, { email, role });
  const invitationCount = (email: string) => platform.mailbox.to(email).filter((m) => /invited/.test(m.subject)).length;

  describe('verification', () => {
    it('mails a link at signup; the link verifies the address once', async () => {
      const user = await signUp(platform.gatewayUrl, { email: address('ada') });
      const mail = await platform.mailbox.waitFor(user.email, /Verify/);
      expect(mail.from).toMatch(/@/);
      expect(mail.text).toContain('https://app.llmlab.example/verify-email?token=');
      expect((await me(user)).user.emailVerified).toBe(false);
      // An unverified account uses its own organization.
      expect((await user.agent.post(`/v1/organizations/${user.organizationId}/projects`, { name: 'mine' })).status).toBe(201);

      const token = await platform.mailbox.linkToken(user.email, '/verify-email', /Verify/);
      expect((await anonymous.post('/v1/auth/verify-email', { token })).status).toBe(204);
      expect((await me(user)).user.emailVerified).toBe(true);

      const again = await anonymous.post('/v1/auth/verify-email', { token });
      expect(again.status).toBe(400);
      expect(again.body).toMatchObject({ code: 'EMAIL_VERIFICATION_TOKEN_INVALID', errors: [{ field: '/token' }] });
      expect((await user.agent.post('/v1/auth/verify-email/resend')).body.code).toBe('EMAIL_ALREADY_VERIFIED');
    });

    it('refuses an unknown, a malformed and an expired token', async () => {
      expect((await anonymous.post('/v1/auth/verify-email', { token: randomBytes(32).toString('base64url') })).status).toBe(400);
      const malformed = await anonymous.post('/v1/auth/verify-email', {});
      expect(malformed.status).toBe(400);
      expect(new Set(malformed.body.errors.map((e: { field: string }) => e.field))).toEqual(new Set(['/token']));
      const user = await signUp(platform.gatewayUrl, { email: address('late') });
      const token = await platform.mailbox.linkToken(user.email, '/verify-email', /Verify/);
      await pool.query(`UPDATE auth.email_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [sha256(token)]);
      expect((await anonymous.post('/v1/auth/verify-email', { token })).body.code).toBe('EMAIL_VERIFICATION_TOKEN_INVALID');
      expect((await me(user)).user.emailVerified).toBe(false);
    });

    it('resends a working link, a few times per account and per IP, then 429 with Retry-After', async () => {
      const first = await signUp(platform.gatewayUrl, { email: address('resend') });
      for (let i = 0; i < 2; i++) expect((await first.agent.post('/v1/auth/verify-email/resend')).status).toBe(202);
      const refused = await first.agent.post('/v1/auth/verify-email/resend');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(platform.mailbox.to(first.email)).toHaveLength(3);
      // Every mailed link works until one is used.
      const resent = await platform.mailbox.linkToken(first.email, '/verify-email', /Verify/, 3);
      expect((await anonymous.post('/v1/auth/verify-email', { token: resent })).status).toBe(204);

      // Per IP: this client has asked 3 times; 2 more from another account, then the IP is spent for everyone.
      const second = await signUp(platform.gatewayUrl, { email: address('resend') });
      for (let i = 0; i < 2; i++) expect((await second.agent.post('/v1/auth/verify-email/resend')).status).toBe(202);
      const third = await signUp(platform.gatewayUrl, { email: address('resend') });
      expect((await third.agent.post('/v1/auth/verify-email/resend')).status).toBe(429);
      expect(platform.mailbox.to(third.email)).toHaveLength(1);
    });
  });

  describe('invitations', () => {
    it('adding a registered address only invites it, without telling whose it is (failed before: member at once)', async () => {
      const grace = await signUp(platform.gatewayUrl, { email: address('grace'), name: 'Grace Hopper' });
      const added = await owner.agent.post(`/v1/organizations/${owner.organizationId}/members`, { email: grace.email, role: 'admin' });
      expect(added.status).toBe(201);
      expect(added.body).toEqual({
        status: 'invited',
        invitation: {
          invitationId: expect.any(String),
          email: grace.email,
          role: 'admin',
          invitedBy: owner.id,
          invitedAt: expect.any(String),
        },
      });
      expect(JSON.stringify(added.body)).not.toContain('Grace Hopper');
      expect(JSON.stringify(added.body)).not.toContain(grace.id);
      expect(await memberIds()).not.toContain(grace.id);
      // The answer for an address without an account has the same shape.
      const stranger = await invite(address('nobody'), 'admin');
      expect(Object.keys(stranger.body).sort()).toEqual(Object.keys(added.body.invitation).sort());
    });

    it('the squatter: signing up first with the invited address, logging in, or guessing gets nothing', async () => {
      const cfo = address('cfo');
      const squatter = await signUp(platform.gatewayUrl, { email: cfo });
      const invited = await invite(cfo, 'admin');
      expect(invited.status).toBe(201);
      expect((await anonymous.post('/v1/auth/login', { email: cfo, password: squatter.password })).status).toBe(200);
      expect((await me(squatter)).memberships.map((m: { organizationId: string }) => m.organizationId)).not.toContain(owner.organizationId);
      expect(await memberIds()).not.toContain(squatter.id);
      const guessed = await squatter.agent.post('/v1/invitations/accept', { token: randomBytes(32).toString('base64url') });
      expect(guessed.status).toBe(400);
      expect(guessed.body).toMatchObject({ code: 'INVITATION_TOKEN_INVALID', errors: [{ field: '/token' }] });
      expect((await squatter.agent.get(`/v1/organizations/${owner.organizationId}`)).status).toBe(404);

      // The real CFO, who receives the mail, joins with a verified account of their own.
      const real = await signUp(platform.gatewayUrl, { email: address('cfo-personal') });
      await verifyEmail(platform.mailbox, real);
      const token = await platform.mailbox.linkToken(cfo, '/invitations/accept', /invited/);
      const accepted = await real.agent.post('/v1/invitations/accept', { token });
      expect(accepted.status).toBe(200);
      expect(accepted.body).toEqual({ organizationId: owner.organizationId, organizationName: 'Victim Corp', role: 'admin' });
      expect(await memberIds()).toContain(real.id);
      // The link worked once.
      expect((await squatter.agent.post('/v1/invitations/accept', { token })).body.code).toBe('INVITATION_TOKEN_INVALID');
      expect(await memberIds()).not.toContain(squatter.id);
    });

    it('a pending invitation is not accepted by signing up with its address; its link accepts it and verifies the address', async () => {
      const email = address('newcomer');
      await invite(email, 'viewer');
      const newcomer = await signUp(platform.gatewayUrl, { email });
      expect((await me(newcomer)).memberships).toHaveLength(1);
      const token = await platform.mailbox.linkToken(email, '/invitations/accept', /invited/);
      expect((await newcomer.agent.post('/v1/invitations/accept', { token })).body.role).toBe('viewer');
      const after = await me(newcomer);
      expect(after.user.emailVerified).toBe(true);
      expect(after.memberships).toContainEqual({ organizationId: owner.organizationId, organizationName: 'Victim Corp', role: 'viewer' });
      expect((await owner.agent.get(`/v1/organizations/${owner.organizationId}/invitations`)).body.data).not.toContainEqual(
        expect.objectContaining({ email }),
      );
    });

    it('another address must be verified to accept; the refused attempt does not use the link up', async () => {
      const email = address('forwarded');
      await invite(email, 'member');
      const other = await signUp(platform.gatewayUrl, { email: address('colleague') });
      const token = await platform.mailbox.linkToken(email, '/invitations/accept', /invited/);
      const refused = await other.agent.post('/v1/invitations/accept', { token });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('EMAIL_NOT_VERIFIED');
      await verifyEmail(platform.mailbox, other);
      expect((await other.agent.post('/v1/invitations/accept', { token })).status).toBe(200);
    });

    it('refuses the link of a revoked or expired invitation', async () => {
      const revokedEmail = address('revoked');
      const revoked = await invite(revokedEmail, 'member');
      const user = await signUp(platform.gatewayUrl, { email: revokedEmail });
      const revokedToken = await platform.mailbox.linkToken(revokedEmail, '/invitations/accept', /invited/);
      const path = `/v1/organizations/${owner.organizationId}/invitations/${revoked.body.invitationId}`;
      expect((await owner.agent.delete(path)).status).toBe(204);
      expect((await owner.agent.delete(path)).body.code).toBe('INVITATION_NOT_FOUND');
      expect((await user.agent.post('/v1/invitations/accept', { token: revokedToken })).body.code).toBe('INVITATION_TOKEN_INVALID');

      const lateEmail = address('late');
      await invite(lateEmail, 'member');
      const late = await signUp(platform.gatewayUrl, { email: lateEmail });
      const lateToken = await platform.mailbox.linkToken(lateEmail, '/invitations/accept', /invited/);
      await pool.query(`UPDATE auth.email_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [sha256(lateToken)]);
      expect((await late.agent.post('/v1/invitations/accept', { token: lateToken })).body.code).toBe('INVITATION_TOKEN_INVALID');
      expect(await memberIds()).not.toContain(late.id);
    });

    it("another tenant cannot list, revoke or even see an organization's invitations (404)", async () => {
      const pending = await invite(address('target'), 'member');
      const intruder = await signUp(platform.gatewayUrl, { email: address('intruder') });
      const foreign = `/v1/organizations/${owner.organizationId}/invitations`;
      expect((await intruder.agent.get(foreign)).status).toBe(404);
      expect((await intruder.agent.post(foreign, { email: address('x'), role: 'owner' })).status).toBe(404);
      expect((await intruder.agent.delete(`${foreign}/${pending.body.invitationId}`)).status).toBe(404);
      // Through the intruder's own organization, the id names nothing.
      const own = await intruder.agent.delete(`/v1/organizations/${intruder.organizationId}/invitations/${pending.body.invitationId}`);
      expect(own.status).toBe(404);
      expect(own.body.code).toBe('INVITATION_NOT_FOUND');
      expect((await owner.agent.get(foreign)).body.data).toContainEqual(
        expect.objectContaining({ invitationId: pending.body.invitationId }),
      );
    });

    it('lets a viewer list invitations but not invite or revoke', async () => {
      const viewer = await signUp(platform.gatewayUrl, { email: address('viewer') });
      await joinOrganization(platform.mailbox, owner.agent, owner.organizationId, viewer, 'viewer');
      const list = await viewer.agent.get(`/v1/organizations/${owner.organizationId}/invitations`);
      expect(list.status).toBe(200);
      expect(
        (await viewer.agent.post(`/v1/organizations/${owner.organizationId}/invitations`, { email: address('y'), role: 'viewer' })).status,
      ).toBe(403);
      const target = list.body.data[0].invitationId;
      expect((await viewer.agent.delete(`/v1/organizations/${owner.organizationId}/invitations/${target}`)).status).toBe(403);
      expect(invitationCount(viewer.email)).toBe(1);
    });
  });

  it('never writes a mailed token to the service log when SMTP is configured', async () => {
    const logs = platform.logs('auth') + platform.logs('gateway');
    const tokens = platform.mailbox.mails.flatMap((m) =>
      [...m.text.matchAll(/token=([A-Za-z0-9_%-]+)/g)].map((x) => decodeURIComponent(x[1])),
    );
    expect(tokens.length).toBeGreaterThan(10);
    for (const token of tokens) expect(logs).not.toContain(token);
  });
});
