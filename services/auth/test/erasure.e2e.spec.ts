import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { PostgresEventStore } from '@llmlab/event-store';
import { normalizeEmail } from '@llmlab/crypto';
import {
  Agent,
  createSession,
  eventually,
  expectProblem,
  joinOrganization,
  signUp,
  startPlatformSession,
  type PlatformSession,
  type SignedUpUser,
  type TestSession,
} from '@llmlab/testing';
import { Pool } from 'pg';

jest.setTimeout(180_000);

const run = promisify(execFile);

/** Where the test client says it is (the gateway trusts the loopback proxy's X-Forwarded-For). */
const CLIENT = { 'x-forwarded-for': '203.0.113.7', 'user-agent': 'erasure-e2e/1.0' };

interface StoredEvent {
  position: string;
  stream_id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

// The identity side of issue 14 through the gateway, on real PostgreSQL, NATS and Redis: the data export, API key
// last use, the bounded security events, and the erasure of a user (refused without the password or while an
// organization would be left without an owner; afterwards nothing readable of the person anywhere, the chain intact).
describe('erasure, data export and security events', () => {
  let session: PlatformSession;
  let pool: Pool;
  let anonymous: Agent;
  let gatewayUrl: string;
  let ada: TestSession;

  const events = async (where: string, params: unknown[]) =>
    (
      await pool.query<StoredEvent>(
        `SELECT position, stream_id, type, data, metadata FROM event_store.events WHERE ${where} ORDER BY position`,
        params,
      )
    ).rows;

  beforeAll(async () => {
    session = await startPlatformSession({ services: ['gateway', 'auth'], env: { TRUST_PROXY: 'loopback' } });
    ({ pool, anonymous } = session);
    gatewayUrl = session.platform.gatewayUrl;
    ada = await createSession(gatewayUrl, { name: 'Ada Lovelace', organizationName: 'Analytical Engines' });
  });
  afterAll(() => session?.stop());

  describe('GET /v1/me/export', () => {
    it("answers everything auth holds about the caller, and never a secret or another person's address", async () => {
      const login = await anonymous.with(CLIENT).post('/v1/auth/login', { email: ada.email, password: ada.password });
      expect(login.status).toBe(200);
      const invitee = `invitee-${Date.now()}@example.com`;
      expect((await ada.agent.post(`/v1/organizations/${ada.organizationId}/invitations`, { email: invitee, role: 'member' })).status).toBe(
        201,
      );

      const res = await ada.agent.get('/v1/me/export');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        exportedAt: expect.any(String),
        user: { id: ada.id, email: ada.email, name: 'Ada Lovelace', emailVerified: false, emailVerifiedAt: null },
        memberships: [
          { organizationId: ada.organizationId, organizationName: 'Analytical Engines', role: 'owner', joinedAt: expect.any(String) },
        ],
        invitations: {
          sent: [
            {
              organizationId: ada.organizationId,
              organizationName: 'Analytical Engines',
              role: 'member',
              status: 'pending',
              invitedBy: ada.id,
            },
          ],
          received: [],
        },
        apiKeysCreated: [{ id: ada.apiKey.id, prefix: ada.apiKey.prefix, projectId: ada.projectId, createdBy: ada.id, revokedAt: null }],
      });
      expect(res.body.sessions).toHaveLength(2);
      expect(res.body.sessions[1]).toMatchObject({ ip: '203.0.113.7', userAgent: 'erasure-e2e/1.0', revokedAt: null, lastUsedAt: null });
      const text = JSON.stringify(res.body);
      for (const secret of [ada.apiKey.key, ada.password, ada.refreshToken, login.body.refreshToken, invitee])
        expect(text).not.toContain(secret);
      expect(text).not.toMatch(/"(hash|keyHash|key|passwordHash|tokenHash)"/);
    });

    it('is for users only, and shows each caller nothing but their own data', async () => {
      expectProblem(await ada.keyAgent.get('/v1/me/export'), 403, 'FORBIDDEN');
      const other = await signUp(gatewayUrl, { name: 'Other Tenant' });
      const res = await other.agent.get('/v1/me/export');
      expect(res.status).toBe(200);
      expect(res.body.user.id).toBe(other.id);
      expect(JSON.stringify(res.body)).not.toContain(ada.organizationId);
      expect(JSON.stringify(res.body)).not.toContain(ada.email);
    });
  });

  describe('API key last use', () => {
    it('is recorded at most once a minute, and shown in the key list', async () => {
      const created = await ada.agent.post(`/v1/projects/${ada.projectId}/api-keys`, { name: 'last use', scopes: ['read'] });
      expect(created.status).toBe(201);
      const keyAgent = new Agent(gatewayUrl, { 'x-api-key': created.body.key });
      const list = async () =>
        (await ada.agent.get(`/v1/projects/${ada.projectId}/api-keys`)).body.data.find((k: { id: string }) => k.id === created.body.id);
      expect((await list()).lastUsedAt).toBeNull();
      const before = Date.now();
      expect((await keyAgent.get('/v1/me')).status).toBe(200);
      const first = await eventually(async () => ((await list()).lastUsedAt as string | null) ?? undefined, 'the first use recorded');
      expect(Date.parse(first)).toBeGreaterThanOrEqual(before - 1000);
      // Used again and again within the minute: no new write.
      for (let i = 0; i < 5; i++) expect((await keyAgent.get('/v1/me')).status).toBe(200);
      await new Promise((r) => setTimeout(r, 500));
      expect((await list()).lastUsedAt).toBe(first);
      // And no event per use: the column is not in the event store.
      expect(await events(`type LIKE 'ApiKey%' AND data->>'apiKeyId' = $1`, [created.body.id])).toHaveLength(1);
    });
  });

  describe('security events', () => {
    it('records a login as UserLoggedIn with the client in the metadata', async () => {
      const user = await signUp(gatewayUrl);
      expect((await anonymous.with(CLIENT).post('/v1/auth/login', { email: user.email, password: user.password })).status).toBe(200);
      const logins = await eventually(async () => {
        const found = await events(`type = 'UserLoggedIn' AND data->>'userId' = $1`, [user.id]);
        expect(found).toHaveLength(1);
        return found;
      }, 'the login event');
      expect(logins[0].metadata).toMatchObject({ actor: { type: 'user', id: user.id }, ip: '203.0.113.7', userAgent: 'erasure-e2e/1.0' });
    });

    it('records failed logins at most once a minute per account, counting them, without the password or the email', async () => {
      const user = await signUp(gatewayUrl);
      const wrong = 'a wrong password, long enough';
      for (let i = 0; i < 3; i++)
        expect((await anonymous.with(CLIENT).post('/v1/auth/login', { email: user.email, password: wrong })).status).toBe(401);
      const failed = await events(`stream_id = $1`, [`auth.login-failures-${user.id}`]);
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({ type: 'UserLoginFailed', data: { userId: user.id, failures: 1, since: null } });
      expect(failed[0].metadata).toMatchObject({ ip: '203.0.113.7', userAgent: 'erasure-e2e/1.0' });
      const text = JSON.stringify(failed);
      expect(text).not.toContain(wrong);
      expect(text.toLowerCase()).not.toContain(user.email.toLowerCase());
    });

    it('records failed logins of unknown emails in one shared stream, one event a minute, naming no address', async () => {
      const before = await events(`stream_id = 'auth.login-failures-unknown'`, []);
      const emails = Array.from({ length: 4 }, (_, i) => `nobody-${i}-${Date.now()}@example.com`);
      for (const email of emails)
        expect((await anonymous.post('/v1/auth/login', { email, password: 'whatever it is, long' })).status).toBe(401);
      const after = await events(`stream_id = 'auth.login-failures-unknown'`, []);
      expect(after.length - before.length).toBeLessThanOrEqual(1);
      expect(
        await events(
          `stream_id LIKE 'auth.login-failures-%' AND stream_id NOT LIKE 'auth.login-failures-unknown' AND data->>'userId' IS NULL`,
          [],
        ),
      ).toEqual([]);
      const text = JSON.stringify(after).toLowerCase();
      for (const email of emails) expect(text).not.toContain(email);
    });

    it('records a reused refresh token once, as the revocation of its session', async () => {
      const user = await signUp(gatewayUrl);
      const rotated = await anonymous.post('/v1/auth/refresh', { refreshToken: user.refreshToken });
      expect(rotated.status).toBe(200);
      for (let i = 0; i < 2; i++) expect((await anonymous.post('/v1/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(401);
      const reuse = await events(`type = 'SessionRevoked' AND data->>'userId' = $1`, [user.id]);
      expect(reuse).toHaveLength(1);
      expect(reuse[0].data).toMatchObject({ reason: 'refresh_token_reuse' });
    });
  });

  describe('DELETE /v1/me', () => {
    it('refuses a wrong password, naming the field, and API keys', async () => {
      const user = await signUp(gatewayUrl);
      expectProblem(
        await user.agent.request('DELETE', '/v1/me', { password: 'not the password at all' }),
        403,
        'PASSWORD_INCORRECT',
        '/password',
      );
      expectProblem(await user.agent.request('DELETE', '/v1/me', {}), 400, 'VALIDATION_FAILED');
      expectProblem(await ada.keyAgent.request('DELETE', '/v1/me', { password: ada.password }), 403, 'FORBIDDEN');
      expect((await user.agent.get('/v1/me')).status).toBe(200);
    });

    it('refuses the only owner of an organization with other members, naming it, until another owner is made', async () => {
      const carol = await createSession(gatewayUrl, { name: 'Carol Owner' });
      const dave = await signUp(gatewayUrl, { name: 'Dave Member' });
      await joinOrganization(session.platform.mailbox, carol.agent, carol.organizationId, dave, 'member');
      const refused = await carol.agent.request('DELETE', '/v1/me', { password: carol.password });
      expectProblem(refused, 409, 'SOLE_OWNER', `/organizations/${carol.organizationId}`);
      expect(refused.body.detail).toContain(carol.organizationId);
      expect((await carol.agent.get('/v1/me')).status).toBe(200);

      expect((await carol.agent.patch(`/v1/organizations/${carol.organizationId}/members/${dave.id}`, { role: 'owner' })).status).toBe(200);
      expect((await carol.agent.request('DELETE', '/v1/me', { password: carol.password })).status).toBe(204);
      // The organization goes on under Dave, with Carol's key: it belongs to the organization.
      const members = await dave.agent.get(`/v1/organizations/${carol.organizationId}/members`);
      expect(members.body.data.map((m: { userId: string }) => m.userId)).toEqual([dave.id]);
      expect((await carol.keyAgent.get('/v1/me')).status).toBe(200);
    });

    describe('a user who belongs to another organization and has one of their own', () => {
      let bob: TestSession;
      let bobKeyInAdaOrg: string;
      let bobEmailHash: string;

      beforeAll(async () => {
        bob = await createSession(gatewayUrl, { name: 'Bob Babbage-Erased', organizationName: 'Bob Solo Org' });
        await joinOrganization(session.platform.mailbox, ada.agent, ada.organizationId, bob, 'admin');
        const key = await bob.agent.post(`/v1/projects/${ada.projectId}/api-keys`, { name: 'made by bob', scopes: ['read'] });
        expect(key.status).toBe(201);
        bobKeyInAdaOrg = key.body.key;
        bobEmailHash = (await pool.query<{ email_hash: string }>(`SELECT email_hash FROM auth.users WHERE id = $1`, [bob.id])).rows[0]
          .email_hash;
        expect((await bob.agent.request('DELETE', '/v1/me', { password: bob.password }, CLIENT)).status).toBe(204);
      });

      it('records UserErased with ids only, revokes every session, and forgets the account', async () => {
        const erased = await events(`type = 'UserErased' AND data->>'userId' = $1`, [bob.id]);
        expect(erased).toHaveLength(1);
        expect(Object.keys(erased[0].data).sort()).toEqual(['erasedAt', 'userId']);
        const revoked = await events(`type = 'SessionRevoked' AND data->>'userId' = $1 AND data->>'reason' = 'erasure'`, [bob.id]);
        expect(revoked.length).toBeGreaterThanOrEqual(1);

        expectProblem(await anonymous.post('/v1/auth/refresh', { refreshToken: bob.refreshToken }), 401, 'INVALID_REFRESH_TOKEN');
        expectProblem(await anonymous.post('/v1/auth/login', { email: bob.email, password: bob.password }), 401, 'INVALID_CREDENTIALS');
        expect((await bob.agent.get('/v1/me')).status).toBe(404);
        expect((await bob.agent.get('/v1/me/export')).status).toBe(404);
        expect((await bob.agent.post('/v1/organizations', { name: 'After erasure' })).status).toBe(404);
        expect((await bob.agent.post('/v1/auth/verify-email/resend')).status).toBe(404);
        for (const table of ['credentials', 'refresh_token_families', 'subject_keys']) {
          const column = table === 'subject_keys' ? 'subject_id' : 'user_id';
          expect((await pool.query(`SELECT 1 FROM auth.${table} WHERE ${column} = $1`, [bob.id])).rowCount).toBe(0);
        }
      });

      it("leaves the other organization (its keys, Bob's included, keep working) and closes the one Bob was alone in", async () => {
        const members = await ada.agent.get(`/v1/organizations/${ada.organizationId}/members`);
        expect(members.body.data.map((m: { userId: string }) => m.userId)).toEqual([ada.id]);
        expect((await new Agent(gatewayUrl, { 'x-api-key': bobKeyInAdaOrg }).get(`/v1/projects/${ada.projectId}`)).status).toBe(200);
        expect((await bob.keyAgent.get('/v1/me')).status).toBe(401);
        const closed = await events(`type = 'OrganizationClosed' AND data->>'organizationId' = $1`, [bob.organizationId]);
        expect(closed).toHaveLength(1);
        expect(closed[0].data).toMatchObject({ reason: 'owner_erased', closedBy: bob.id });
        expect((await pool.query(`SELECT 1 FROM auth.memberships WHERE user_id = $1`, [bob.id])).rowCount).toBe(0);
      });

      it('leaves no readable copy of the email or the name: database dump, JetStream, Redis, logs, exports', async () => {
        const sha256 = createHash('sha256').update(normalizeEmail(bob.email)).digest('hex');
        const values = [bob.email, bob.name];
        expect(await session.platform.scanForPersonalData(values)).toEqual([]);
        const { stdout } = await run('pg_dump', ['--dbname', session.db.url, '--no-owner'], { maxBuffer: 512 * 1024 * 1024 });
        expect(stdout).toContain(bob.id);
        for (const value of [...values, sha256]) expect(stdout.toLowerCase()).not.toContain(value.toLowerCase());
        // The keyed lookup hash is gone from every table that can be changed (only immutable events keep it).
        const users = /COPY auth\.users [^\n]*\n([^]*?)\\\.\n/.exec(stdout)![1];
        expect(users).toContain(bob.id);
        expect(users).not.toContain(bobEmailHash);
        const invitations = /COPY auth\.invitations [^\n]*\n([^]*?)\\\.\n/.exec(stdout)![1];
        expect(invitations).not.toContain(bobEmailHash);
        const adaExport = JSON.stringify((await ada.agent.get('/v1/me/export')).body);
        expect(adaExport).not.toContain(bob.email);
        expect(adaExport).not.toContain(bob.name);
      });

      it('keeps the event store chain valid', async () => {
        const store = new PostgresEventStore(new Pool({ connectionString: session.db.url, max: 1 }), { ownsPool: true });
        try {
          expect(await store.verify()).toMatchObject({ ok: true });
        } finally {
          await store.close();
        }
      });

      it('lets the address sign up again, as a new account', async () => {
        const again: SignedUpUser = await signUp(gatewayUrl, { email: bob.email, name: 'Bob Again', password: 'a brand new password' });
        expect(again.id).not.toBe(bob.id);
        expect((await again.agent.get('/v1/me')).body.user).toMatchObject({ email: bob.email, name: 'Bob Again' });
        expect((await anonymous.post('/v1/auth/login', { email: bob.email, password: 'a brand new password' })).status).toBe(200);
      });
    });
  });
});
