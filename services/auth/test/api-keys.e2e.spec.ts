import { createHash, randomBytes } from 'node:crypto';
import { apiKeyBodyFrom, formatApiKey } from '@llmlab/contracts';
import {
  Agent,
  createSession,
  joinOrganization,
  signUp,
  startPlatformSession,
  TestPlatform,
  type PlatformSession,
  type TestSession,
} from '@llmlab/testing';
import { Pool } from 'pg';

jest.setTimeout(180_000);

const withoutRequestId = (body: Record<string, unknown>) => ({ ...body, requestId: undefined, instance: undefined });

/** Polls until `check` is true; returns how long it took, or throws after `timeoutMs`. */
async function within(timeoutMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

// The API-key suite, through two gateway replicas sharing Redis: a key acts only inside its project and its
// scopes, every way of being wrong is the same 401, revocation and member removal reach both replicas within
// 5 seconds, and no table holds a key in clear.
describe('API keys', () => {
  let session: PlatformSession;
  let platform: TestPlatform;
  let replica: TestPlatform;
  let pool: Pool;
  let tenant: TestSession;
  let other: TestSession;
  let reference401: Record<string, unknown>;
  const createdKeys: string[] = [];

  const keyAgent = (key: string, url = platform.gatewayUrl) => new Agent(url, { 'x-api-key': key });
  async function newKey(scopes: string[], extra: Record<string, unknown> = {}, projectId = tenant.projectId) {
    const res = await tenant.agent.post(`/v1/projects/${projectId}/api-keys`, { name: `k-${scopes.join('-')}`, scopes, ...extra });
    expect(res.status).toBe(201);
    createdKeys.push(res.body.key);
    return res.body as { id: string; key: string; prefix: string };
  }
  async function lookups(): Promise<number> {
    const text = await (await fetch(`${platform.serviceUrl('auth')}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('llmlab_nats_requests_total') && l.includes('auth.query.lookup-api-key'));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  beforeAll(async () => {
    const env = {
      API_KEY_ENVIRONMENT: 'live',
      RATE_LIMIT_ANONYMOUS_PER_HOUR: '40',
      // The test stands for the proxy in front of the gateway: its X-Forwarded-For is the client's IP.
      TRUST_PROXY: 'loopback',
      // Cache lifetimes far longer than the 5 seconds revocation must take: only active invalidation can pass.
      IDENTITY_MEMORY_CACHE_MS: '60000',
      IDENTITY_REDIS_CACHE_MS: '60000',
    };
    session = await startPlatformSession({ services: ['gateway', 'auth'], env });
    ({ platform, pool } = session);
    // A second gateway on the same NATS prefix and Redis: another replica of the edge.
    replica = await TestPlatform.start({
      databaseUrl: session.db.url,
      services: ['gateway'],
      env: { ...env, NATS_PREFIX: platform.natsPrefix },
    });
    tenant = await createSession(platform.gatewayUrl);
    other = await createSession(platform.gatewayUrl);
    createdKeys.push(tenant.apiKey.key, other.apiKey.key);
    const res = await session.anonymous.get('/v1/me');
    reference401 = withoutRequestId(res.body);
  });
  afterAll(async () => {
    await replica?.stop();
    await session?.stop();
  });

  it('looks like llm_<env>_<random><checksum> and works on its own project', async () => {
    expect(tenant.apiKey.key).toMatch(/^llm_live_[0-9A-Za-z]{46}$/);
    expect(tenant.apiKey.key.startsWith(tenant.apiKey.prefix)).toBe(true);
    expect((await tenant.keyAgent.get(`/v1/projects/${tenant.projectId}`)).status).toBe(200);
    const listed = await tenant.agent.get(`/v1/projects/${tenant.projectId}/api-keys`);
    expect(listed.body.data[0]).toEqual(
      expect.objectContaining({ id: tenant.apiKey.id, prefix: tenant.apiKey.prefix, scopes: ['admin'], revokedAt: null }),
    );
    expect(JSON.stringify(listed.body)).not.toContain(tenant.apiKey.key);
  });

  describe('refuses with the same 401', () => {
    it('an unknown key with a valid checksum, after one lookup', async () => {
      const before = await lookups();
      const res = await keyAgent(formatApiKey('live', apiKeyBodyFrom(randomBytes(64)))).get('/v1/me');
      expect(res.status).toBe(401);
      expect(withoutRequestId(res.body)).toEqual(reference401);
      expect(await lookups()).toBe(before + 1);
    });

    it('a key with a bad checksum, without any lookup', async () => {
      const before = await lookups();
      const key = tenant.apiKey.key;
      const flipped = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
      for (const candidate of [flipped, key.slice(0, -1), `${key}x`, 'llm_live_short', 'llm_prod_' + key.slice(9)]) {
        const res = await keyAgent(candidate).get('/v1/me');
        expect(res.status).toBe(401);
        expect(withoutRequestId(res.body)).toEqual(reference401);
      }
      expect(await lookups()).toBe(before);
    });

    it('a revoked key, on every gateway replica within 5 seconds', async () => {
      const { id, key } = await newKey(['read']);
      expect((await keyAgent(key).get('/v1/me')).status).toBe(200);
      expect((await keyAgent(key, replica.gatewayUrl).get('/v1/me')).status).toBe(200);

      expect((await tenant.agent.delete(`/v1/projects/${tenant.projectId}/api-keys/${id}`)).status).toBe(204);
      const [here, there] = await Promise.all([
        within(5_000, async () => (await keyAgent(key).get('/v1/me')).status === 401),
        within(5_000, async () => (await keyAgent(key, replica.gatewayUrl).get('/v1/me')).status === 401),
      ]);
      expect(Math.max(here, there)).toBeLessThan(5_000);
      const res = await keyAgent(key, replica.gatewayUrl).get('/v1/me');
      expect(withoutRequestId(res.body)).toEqual(reference401);
      const listed = await tenant.agent.get(`/v1/projects/${tenant.projectId}/api-keys`);
      expect(listed.body.data.find((k: { id: string }) => k.id === id).revokedAt).toEqual(expect.any(String));
    });

    it('an expired key', async () => {
      const { key } = await newKey(['read'], { expiresAt: new Date(Date.now() + 1_500).toISOString() });
      expect((await keyAgent(key).get('/v1/me')).status).toBe(200);
      await within(5_000, async () => (await keyAgent(key).get('/v1/me')).status === 401);
      expect(withoutRequestId((await keyAgent(key).get('/v1/me')).body)).toEqual(reference401);
    });
  });

  it('refuses an expiry in the past', async () => {
    const res = await tenant.agent.post(`/v1/projects/${tenant.projectId}/api-keys`, {
      name: 'k',
      scopes: ['read'],
      expiresAt: '2020-01-01T00:00:00Z',
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: '/expiresAt', message: 'must be in the future' }]);
  });

  describe('acts only within its scopes', () => {
    it('an ingest-only key cannot read its project (403)', async () => {
      const { key } = await newKey(['ingest']);
      const res = await keyAgent(key).get(`/v1/projects/${tenant.projectId}`);
      expect(res.status).toBe(403);
      expect(res.body.detail).toContain('read scope');
    });

    it('no key manages projects, keys or members, whatever its scopes (403)', async () => {
      const admin = tenant.keyAgent;
      expect((await admin.patch(`/v1/projects/${tenant.projectId}`, { name: 'by key' })).status).toBe(403);
      expect((await admin.delete(`/v1/projects/${tenant.projectId}`)).status).toBe(403);
      expect((await admin.post(`/v1/projects/${tenant.projectId}/api-keys`, { name: 'k', scopes: ['admin'] })).status).toBe(403);
      expect((await admin.get(`/v1/projects/${tenant.projectId}/api-keys`)).status).toBe(403);
      expect((await admin.get(`/v1/organizations/${tenant.organizationId}/members`)).status).toBe(403);
      expect((await admin.post('/v1/organizations', { name: 'by key' })).status).toBe(403);
      expect((await tenant.agent.get(`/v1/projects/${tenant.projectId}`)).body.name).toBe('Test project');
    });
  });

  describe('acts only inside its project', () => {
    it('answers another project of its own organization with 404', async () => {
      const sibling = await tenant.agent.post(`/v1/organizations/${tenant.organizationId}/projects`, { name: 'Sibling' });
      const res = await tenant.keyAgent.get(`/v1/projects/${sibling.body.id}`);
      expect(res.status).toBe(404);
    });

    it("answers another tenant's project and organization exactly like missing ones", async () => {
      const missing = await tenant.keyAgent.get(`/v1/projects/0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f50`);
      const foreign = await tenant.keyAgent.get(`/v1/projects/${other.projectId}`);
      expect(foreign.status).toBe(404);
      expect(withoutRequestId(foreign.body)).toEqual(withoutRequestId(missing.body));
      expect(JSON.stringify(foreign.body)).not.toContain('Test project');
      expect((await tenant.keyAgent.get(`/v1/organizations/${other.organizationId}`)).status).toBe(404);
      expect((await tenant.keyAgent.delete(`/v1/projects/${other.projectId}/api-keys/${other.apiKey.id}`)).status).toBe(404);
      expect((await other.keyAgent.get('/v1/me')).status).toBe(200);
    });
  });

  it('stops a removed member on every gateway replica within 5 seconds', async () => {
    const member = await signUp(platform.gatewayUrl);
    await joinOrganization(platform.mailbox, tenant.agent, tenant.organizationId, member, 'member');
    const onReplica = new Agent(replica.gatewayUrl, member.agent.headers);
    expect((await member.agent.get(`/v1/projects/${tenant.projectId}`)).status).toBe(200);
    expect((await onReplica.get(`/v1/projects/${tenant.projectId}`)).status).toBe(200);

    expect((await tenant.agent.delete(`/v1/organizations/${tenant.organizationId}/members/${member.id}`)).status).toBe(204);
    const [here, there] = await Promise.all([
      within(5_000, async () => (await member.agent.get(`/v1/projects/${tenant.projectId}`)).status === 404),
      within(5_000, async () => (await onReplica.get(`/v1/projects/${tenant.projectId}`)).status === 404),
    ]);
    expect(Math.max(here, there)).toBeLessThan(5_000);
  });

  it('stops looking keys up for an IP that keeps failing, and answers it 429', async () => {
    const guesser = (key: string) => new Agent(platform.gatewayUrl, { 'x-api-key': key, 'x-forwarded-for': '10.66.0.1' });
    let res = await guesser(formatApiKey('live', apiKeyBodyFrom(randomBytes(64)))).get('/v1/me');
    for (let i = 0; i < 45 && res.status === 401; i++)
      res = await guesser(formatApiKey('live', apiKeyBodyFrom(randomBytes(64)))).get('/v1/me');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toEqual(expect.any(String));
    const before = await lookups();
    for (let i = 0; i < 5; i++)
      expect((await guesser(formatApiKey('live', apiKeyBodyFrom(randomBytes(64)))).get('/v1/me')).status).toBe(429);
    expect(await lookups()).toBe(before);
    // Other IPs are not affected, and a key this replica has in memory still works from the blocked IP.
    expect((await tenant.keyAgent.get('/v1/me')).status).toBe(200);
    expect(
      (await new Agent(platform.gatewayUrl, { 'x-api-key': tenant.apiKey.key, 'x-forwarded-for': '10.66.0.1' }).get('/v1/me')).status,
    ).toBe(200);
  });

  it('stores only the SHA-256 of each key: no table of any schema holds one in clear', async () => {
    const stored = await pool.query(`SELECT key_hash FROM auth.api_keys WHERE id = $1`, [tenant.apiKey.id]);
    expect(stored.rows[0].key_hash).toBe(createHash('sha256').update(tenant.apiKey.key).digest('hex'));

    const tables = await pool.query(
      `SELECT table_schema, table_name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    expect(tables.rows.length).toBeGreaterThan(10);
    const secrets = createdKeys.flatMap((k) => [k, k.slice(-30)]);
    for (const { table_schema, table_name } of tables.rows) {
      const rows = await pool.query(`SELECT row_to_json(t)::text AS json FROM "${table_schema}"."${table_name}" t`);
      for (const { json } of rows.rows) for (const secret of secrets) expect(json).not.toContain(secret);
    }
  });
});
