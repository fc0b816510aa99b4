import { createTestDatabase, signUp, TestPlatform, uniqueSuffix, type TestDatabase } from '@llmlab/testing';

jest.setTimeout(120_000);

interface Answer {
  status: number;
  body: any;
  cookie: string | null;
}

// The dashboard's session: the access token in the body (kept in memory by the page), the refresh token only in an
// httpOnly, SameSite=Strict cookie scoped to /v1/auth/session; the JSON flow of API clients is unchanged.
describe('browser sessions through the gateway', () => {
  let db: TestDatabase;
  let platform: TestPlatform;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The test stands for a TLS-terminating proxy on loopback: its X-Forwarded-Proto is believed.
    platform = await TestPlatform.start({ databaseUrl: db.url, services: ['gateway', 'auth'], env: { TRUST_PROXY: 'loopback' } });
    await platform.waitForReadiness(200, 60_000).catch(() => undefined);
  }, 100_000);
  afterAll(async () => {
    await platform?.stop();
    await db?.drop();
  });

  async function post(path: string, options: { body?: unknown; cookie?: string; csrf?: boolean; headers?: Record<string, string> } = {}) {
    const res = await fetch(platform.gatewayUrl + path, {
      method: 'POST',
      headers: {
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.csrf === false ? {} : { 'x-llmlab-csrf': '1' }),
        ...(options.cookie ? { cookie: options.cookie } : {}),
        ...options.headers,
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, cookie: res.headers.get('set-cookie') } satisfies Answer;
  }
  const tokenOf = (answer: Answer) => /^llmlab_refresh=([^;]*)/.exec(answer.cookie ?? '')?.[1] ?? '';

  it('signs up and logs in with the refresh token in a cookie only, and rotates it on refresh', async () => {
    const email = `browser-${uniqueSuffix()}@example.com`;
    const password = 'a browser password';
    const signup = await post('/v1/auth/session/signup', { body: { email, password, name: 'Browser User' } });
    expect(signup.status).toBe(201);
    expect(Object.keys(signup.body).sort()).toEqual(['accessToken', 'expiresIn', 'organization', 'tokenType', 'user']);
    expect(signup.cookie).toMatch(/^llmlab_refresh=rt_[^;]+; Path=\/v1\/auth\/session; Max-Age=2592000; HttpOnly; SameSite=Strict$/);

    const login = await post('/v1/auth/session/login', { body: { email, password } });
    expect(login.status).toBe(200);
    expect(Object.keys(login.body).sort()).toEqual(['accessToken', 'expiresIn', 'tokenType']);
    const me = await fetch(`${platform.gatewayUrl}/v1/me`, { headers: { authorization: `Bearer ${login.body.accessToken}` } });
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe(email);

    const first = tokenOf(login);
    const refreshed = await post('/v1/auth/session/refresh', { cookie: `other=1; llmlab_refresh=${first}` });
    expect(refreshed.status).toBe(200);
    expect(Object.keys(refreshed.body).sort()).toEqual(['accessToken', 'expiresIn', 'tokenType']);
    const second = tokenOf(refreshed);
    expect(second).toMatch(/^rt_/);
    expect(second).not.toBe(first);

    // The rotated token presented again is a reuse: the session is revoked, the cookie cleared.
    const reused = await post('/v1/auth/session/refresh', { cookie: `llmlab_refresh=${first}` });
    expect(reused.status).toBe(401);
    expect(reused.cookie).toMatch(/^llmlab_refresh=; Path=\/v1\/auth\/session; Max-Age=0; HttpOnly; SameSite=Strict$/);
    expect((await post('/v1/auth/session/refresh', { cookie: `llmlab_refresh=${second}` })).status).toBe(401);
  });

  it('marks the cookie Secure behind TLS, and ends the session on logout', async () => {
    const user = await signUp(platform.gatewayUrl);
    const login = await post('/v1/auth/session/login', {
      body: { email: user.email, password: user.password },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(login.cookie).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
    const logout = await post('/v1/auth/session/logout', { cookie: `llmlab_refresh=${tokenOf(login)}` });
    expect(logout.status).toBe(204);
    expect(logout.cookie).toMatch(/^llmlab_refresh=; .*Max-Age=0/);
    expect((await post('/v1/auth/session/refresh', { cookie: `llmlab_refresh=${tokenOf(login)}` })).status).toBe(401);
    expect((await post('/v1/auth/session/logout')).status).toBe(204);
  });

  it('refuses a session request without the CSRF header, and a refresh without a cookie', async () => {
    const user = await signUp(platform.gatewayUrl);
    const login = await post('/v1/auth/session/login', { body: { email: user.email, password: user.password } });
    for (const path of ['/v1/auth/session/refresh', '/v1/auth/session/logout']) {
      const refused = await post(path, { cookie: `llmlab_refresh=${tokenOf(login)}`, csrf: false });
      expect([path, refused.status, refused.body.code, refused.cookie]).toEqual([path, 403, 'CSRF_HEADER_REQUIRED', null]);
    }
    const noCookie = await post('/v1/auth/session/refresh');
    expect([noCookie.status, noCookie.body.code]).toEqual([401, 'UNAUTHENTICATED']);
    // The token survived the refused attempts.
    expect((await post('/v1/auth/session/refresh', { cookie: `llmlab_refresh=${tokenOf(login)}` })).status).toBe(200);
  });

  it('keeps the JSON flow of API clients as it was: tokens in the body, no cookie', async () => {
    const user = await signUp(platform.gatewayUrl);
    const login = await post('/v1/auth/login', { body: { email: user.email, password: user.password }, csrf: false });
    expect(login.status).toBe(200);
    expect(login.body.refreshToken).toMatch(/^rt_/);
    expect(login.cookie).toBeNull();
    const refreshed = await post('/v1/auth/refresh', { body: { refreshToken: login.body.refreshToken }, csrf: false });
    expect([refreshed.status, refreshed.cookie]).toEqual([200, null]);
  });
});
