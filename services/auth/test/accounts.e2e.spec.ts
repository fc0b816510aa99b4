import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { Agent, createSession, signUp, startPlatformSession, TestPlatform, type PlatformSession, type TestSession } from '@llmlab/testing';

jest.setTimeout(120_000);

/** A problem body without what differs between two requests by design. */
const comparable = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });

// Accounts through the gateway on real PostgreSQL, NATS and Redis: signup, login, /v1/me, sessions, the login
// throttle, and what the event store records (metadata, and never personal data in clear).
describe('accounts', () => {
  let session: PlatformSession;
  let platform: TestPlatform;
  let pool: Pool;
  let anonymous: Agent;
  let ada: TestSession;

  beforeAll(async () => {
    session = await startPlatformSession({
      services: ['gateway', 'auth'],
      env: {
        LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
        LOGIN_MAX_FAILURES_PER_IP: '6',
        // The test stands for the proxy in front of the gateway: its X-Forwarded-For is the client's IP.
        TRUST_PROXY: 'loopback',
      },
    });
    ({ platform, pool, anonymous } = session);
    ada = await createSession(platform.gatewayUrl, { name: 'Ada Lovelace', organizationName: 'Analytical Engines' });
  });
  afterAll(() => session?.stop());

  describe('signup', () => {
    it('creates the user and an organization they own, and answers tokens', async () => {
      const email = `grace-${randomBytes(3).toString('hex')}@Example.com`;
      const res = await anonymous.post('/v1/auth/signup', { email, password: 'a very long password', name: 'Grace Hopper' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        user: { id: expect.any(String), email, name: 'Grace Hopper', emailVerified: false },
        organization: { name: 'My organization', role: 'owner', rateLimits: { managementPerHour: null, ingestPerHour: null } },
        tokenType: 'Bearer',
        expiresIn: 900,
      });
      expect(res.body.accessToken.split('.')).toHaveLength(3);
      expect(res.body.refreshToken).toMatch(/^rt_/);

      const me = await anonymous.get('/v1/me', { authorization: `Bearer ${res.body.accessToken}` });
      expect(me.status).toBe(200);
      expect(me.body).toEqual({
        type: 'user',
        user: { id: res.body.user.id, email, name: 'Grace Hopper', createdAt: res.body.user.createdAt, emailVerified: false },
        memberships: [{ organizationId: res.body.organization.id, organizationName: 'My organization', role: 'owner' }],
      });
    });

    it('refuses a password shorter than 12 characters', async () => {
      const res = await anonymous.post('/v1/auth/signup', { email: 'short@example.com', password: 'elevenchars', name: 'S' });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ field: '/password', message: expect.stringContaining('12') }],
      });
    });

    it('refuses a second account for the same email, whatever its case', async () => {
      const res = await anonymous.post('/v1/auth/signup', {
        email: ada.email.toUpperCase(),
        password: 'another long password',
        name: 'Impostor',
      });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'EMAIL_TAKEN', errors: [{ field: '/email' }] });
    });
  });

  describe('login', () => {
    it('answers tokens for the right password, with the email in any case', async () => {
      const res = await anonymous.post('/v1/auth/login', { email: ` ${ada.email.toUpperCase()} `, password: ada.password });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900 });
    });

    it('answers an unknown email and a wrong password identically', async () => {
      const unknown = await anonymous.post('/v1/auth/login', { email: 'nobody@example.com', password: ada.password });
      const wrong = await anonymous.post('/v1/auth/login', { email: ada.email, password: 'not the password at all' });
      expect(unknown.status).toBe(401);
      expect(wrong.status).toBe(401);
      expect(comparable(unknown.body)).toEqual(comparable(wrong.body));
      expect(unknown.body).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    });

    it('refuses logins to an account after repeated failures, even with the right password', async () => {
      const victim = await signUp(platform.gatewayUrl);
      const from = (ip: string) => anonymous.with({ 'x-forwarded-for': ip });
      for (let i = 0; i < 3; i++)
        expect((await from(`10.1.0.${i}`).post('/v1/auth/login', { email: victim.email, password: 'guess number ' + i })).status).toBe(401);
      const locked = await from('10.1.0.9').post('/v1/auth/login', { email: victim.email, password: victim.password });
      expect(locked.status).toBe(429);
      expect(locked.body).toMatchObject({ code: 'LOGIN_THROTTLED', status: 429 });
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('refuses logins from an IP after repeated failures, and not from another IP', async () => {
      const user = await signUp(platform.gatewayUrl);
      const sprayer = anonymous.with({ 'x-forwarded-for': '10.2.0.1' });
      for (let i = 0; i < 6; i++)
        expect((await sprayer.post('/v1/auth/login', { email: `spray-${i}@example.com`, password: 'password123456' })).status).toBe(401);
      expect((await sprayer.post('/v1/auth/login', { email: user.email, password: user.password })).status).toBe(429);
      expect(
        (await anonymous.with({ 'x-forwarded-for': '10.2.0.2' }).post('/v1/auth/login', { email: user.email, password: user.password }))
          .status,
      ).toBe(200);
    });

    it('lets no more than the limit of parallel wrong guesses reach the password check', async () => {
      const victim = await signUp(platform.gatewayUrl);
      // Ten guesses at once, each from its own IP: counted before argon2 runs, only three (the account limit) are checked.
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          anonymous
            .with({ 'x-forwarded-for': `10.3.0.${i}` })
            .post('/v1/auth/login', { email: victim.email, password: `guess ${i} of ten` }),
        ),
      );
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses).toEqual([...Array<number>(3).fill(401), ...Array<number>(7).fill(429)]);
      expect(
        (await anonymous.with({ 'x-forwarded-for': '10.3.1.1' }).post('/v1/auth/login', { email: victim.email, password: victim.password }))
          .status,
      ).toBe(429);
    });

    it('counts every address of an IPv6 /64 as one client', async () => {
      const user = await signUp(platform.gatewayUrl);
      const from = (ip: string) => anonymous.with({ 'x-forwarded-for': ip });
      for (let i = 0; i < 6; i++)
        expect(
          (
            await from(`2001:db8:4:4::${(i + 1).toString(16)}`).post('/v1/auth/login', {
              email: `v6-${i}@example.com`,
              password: 'password123456',
            })
          ).status,
        ).toBe(401);
      // Another address of the same /64 is the same client; another /64 is not.
      expect((await from('2001:db8:4:4:ffff:1:2:3').post('/v1/auth/login', { email: user.email, password: user.password })).status).toBe(
        429,
      );
      expect((await from('2001:db8:4:5::1').post('/v1/auth/login', { email: user.email, password: user.password })).status).toBe(200);
    });
  });

  describe('sessions', () => {
    it('rotates refresh tokens, and logout revokes the whole session', async () => {
      const login = await anonymous.post('/v1/auth/login', { email: ada.email, password: ada.password });
      const first = await anonymous.post('/v1/auth/refresh', { refreshToken: login.body.refreshToken });
      expect(first.status).toBe(200);
      expect(first.body.refreshToken).not.toBe(login.body.refreshToken);
      expect((await anonymous.get('/v1/me', { authorization: `Bearer ${first.body.accessToken}` })).status).toBe(200);

      expect((await anonymous.post('/v1/auth/logout', { refreshToken: first.body.refreshToken })).status).toBe(204);
      const after = await anonymous.post('/v1/auth/refresh', { refreshToken: first.body.refreshToken });
      expect(after.status).toBe(401);
      expect(after.body).toMatchObject({ code: 'INVALID_REFRESH_TOKEN' });
    });

    it('answers logout of an unknown token with 204 too', async () => {
      expect((await anonymous.post('/v1/auth/logout', { refreshToken: 'rt_unknown' })).status).toBe(204);
    });
  });

  describe('/v1/me with an API key', () => {
    it('describes the key, its project and scopes', async () => {
      const res = await ada.keyAgent.get('/v1/me');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        type: 'api_key',
        apiKey: {
          id: ada.apiKey.id,
          name: 'test key',
          prefix: ada.apiKey.prefix,
          organizationId: ada.organizationId,
          projectId: ada.projectId,
          scopes: ['admin'],
          expiresAt: null,
        },
      });
    });

    it('accepts the key as a bearer token too', async () => {
      expect((await anonymous.get('/v1/me', { authorization: `Bearer ${ada.apiKey.key}` })).status).toBe(200);
    });
  });

  describe('the event store', () => {
    it('records actor, organization, IP, user agent and the caller request id in every event of a request', async () => {
      const requestId = `req-meta-${randomBytes(4).toString('hex')}`;
      const res = await ada.agent.post(
        `/v1/organizations/${ada.organizationId}/projects`,
        { name: 'Metadata probe' },
        { 'x-request-id': requestId, 'user-agent': 'metadata-probe/1.0', 'x-forwarded-for': '10.9.8.7' },
      );
      expect(res.status).toBe(201);
      const { rows } = await pool.query(`SELECT type, metadata FROM event_store.events WHERE metadata->>'correlationId' = $1`, [requestId]);
      expect(rows.map((r) => r.type)).toEqual(['ProjectCreated']);
      expect(rows[0].metadata).toEqual({
        actor: { type: 'user', id: ada.id },
        organizationId: ada.organizationId,
        projectId: res.body.id,
        correlationId: requestId,
        ip: '10.9.8.7',
        userAgent: 'metadata-probe/1.0',
      });
    });

    it('records signup events under the new user, with the request id', async () => {
      const requestId = `req-signup-${randomBytes(4).toString('hex')}`;
      const res = await anonymous.post(
        '/v1/auth/signup',
        { email: `meta-${randomBytes(3).toString('hex')}@example.com`, password: 'a very long password', name: 'Meta Data' },
        { 'x-request-id': requestId, 'user-agent': 'signup-probe/2.0' },
      );
      const { rows } = await pool.query(
        `SELECT type, metadata FROM event_store.events WHERE metadata->>'correlationId' = $1 ORDER BY position`,
        [requestId],
      );
      expect(rows.map((r) => r.type)).toEqual(['EmailClaimed', 'UserRegistered', 'OrganizationCreated', 'MemberAdded', 'SessionStarted']);
      for (const { metadata } of rows) {
        expect(metadata).toMatchObject({ actor: { type: 'user', id: res.body.user.id }, ip: '127.0.0.1', userAgent: 'signup-probe/2.0' });
      }
      expect(rows[2].metadata.organizationId).toBe(res.body.organization.id);
    });

    it('holds no email, name, password, token or API key in clear, nor does any table', async () => {
      const secrets = [ada.email, ada.email.toLowerCase(), ada.name, ada.password, ada.apiKey.key, ada.refreshToken, ada.accessToken];
      const events = await pool.query(`SELECT data::text || metadata::text AS json FROM event_store.events`);
      expect(events.rows.length).toBeGreaterThan(10);
      for (const { json } of events.rows) for (const secret of secrets) expect(json).not.toContain(secret);

      const tables = await pool.query(`SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema = 'auth'`);
      for (const { table_schema, table_name } of tables.rows) {
        const rows = await pool.query(`SELECT row_to_json(t)::text AS json FROM "${table_schema}"."${table_name}" t`);
        for (const { json } of rows.rows) for (const secret of secrets) expect(json).not.toContain(secret);
      }
    });
  });
});
