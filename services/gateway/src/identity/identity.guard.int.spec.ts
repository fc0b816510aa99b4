import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AccessGrant, ApiKeyCandidate, Permission, RequestContext } from '@llmlab/contracts';
import { testEnv, uniqueSuffix } from '@llmlab/testing';
import { Redis } from 'ioredis';
import pino from 'pino';
import { GatewayProblem } from '../http/problem';
import type { AccessResolver } from './access.resolver';
import type { ApiKeyAuthenticator } from '@llmlab/api-keys';
import { Access } from './identity.decorators';
import { IdentityGuard, type IdentityDependencies } from './identity.guard';
import type { JwksCache } from './jwks.cache';
import { JwtStrategy } from './jwt.strategy';
import { OperatorToken } from './operator-token';
import { BufferedRateLimiter, RateLimiter } from '@llmlab/api-keys';
import { ResourceOwners } from './resource-owners';

/** The guard's two limiters, as the gateway builds them, in buckets of their own. */
function limiters(redis: Redis) {
  const logger = pino({ level: 'silent' });
  const limiter = new RateLimiter(redis, `t${uniqueSuffix()}`, logger);
  return { limiter, callers: new BufferedRateLimiter(limiter, logger) };
}

const ORG = '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f50';
const PROJECT = '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f51';
const key = (scopes: ApiKeyCandidate['scopes'], ingestPerHour: number | null = null): ApiKeyCandidate => ({
  id: `k-${uniqueSuffix()}`,
  name: 'k',
  prefix: 'llm_test_AbCd1234',
  hash: 'f'.repeat(64),
  organizationId: ORG,
  projectId: PROJECT,
  scopes,
  expiresAt: null,
  rateLimits: { managementPerHour: null, ingestPerHour },
});

/** A handler decorated as a controller's would be, so the guard reads the same metadata. */
function handlerWith(permission: Permission) {
  class Routes {
    @Access(permission)
    handle() {}
  }
  return Routes.prototype.handle;
}

// The guard's choices between buckets, limits and scopes, on the real Redis-backed limiter; credentials are
// stood in for (authentication itself is covered end to end, through the gateway, in services/auth/test).
describe('identity guard: rate-limit classes and scopes (Redis)', () => {
  const redis = new Redis(testEnv.redisUrl);
  afterAll(() => redis.quit());

  function guardFor(apiKey: ApiKeyCandidate | null, grant: AccessGrant | null = null, deps: Partial<IdentityDependencies> = {}) {
    return new IdentityGuard(new Reflector(), {
      jwks: {} as JwksCache,
      apiKeys: { authenticate: async () => apiKey } as unknown as ApiKeyAuthenticator,
      access: { resolve: async () => grant } as unknown as AccessResolver,
      owners: new ResourceOwners(0),
      ...limiters(redis),
      limits: { managementPerHour: 3, ingestPerHour: 5, anonymousPerHour: 100 },
      operator: new OperatorToken(undefined),
      ...deps,
    });
  }

  function call(guard: IdentityGuard, permission: Permission, params: Record<string, string> = { projectId: PROJECT }) {
    const headers: Record<string, string> = {};
    const req = { id: 'r-1', ip: '10.0.0.1', method: 'POST', headers: { 'x-api-key': 'llm_test_x' }, params } as never;
    const reply = { headers: (h: Record<string, string>) => Object.assign(headers, h) };
    const ctx = {
      switchToHttp: () => ({ getRequest: () => req, getResponse: () => reply }),
      getHandler: () => handlerWith(permission),
      getClass: () => Object,
    } as unknown as ExecutionContext;
    return guard.canActivate(ctx).then(
      () => ({ status: 200, headers }),
      (err: GatewayProblem) => ({ status: err.status, headers: err.headers ?? {} }),
    );
  }

  it('counts ingest per key against the ingest limit, apart from management requests', async () => {
    const guard = guardFor(key(['admin']));
    const ingest = [];
    for (let i = 0; i < 6; i++) ingest.push(await call(guard, 'ingest'));
    expect(ingest.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(ingest[0].headers).toMatchObject({ 'RateLimit-Limit': '5', 'RateLimit-Remaining': '4' });
    expect(ingest[5].headers).toMatchObject({ 'RateLimit-Limit': '5', 'RateLimit-Remaining': '0', 'Retry-After': expect.any(String) });
    const management = await call(guard, 'project-data:write');
    expect(management).toMatchObject({ status: 200, headers: { 'RateLimit-Limit': '3', 'RateLimit-Remaining': '2' } });
  });

  it("counts a key's requests far from its limit in memory: a few round trips to Redis, and every request counted there", async () => {
    const buckets = limiters(redis);
    const added: number[] = [];
    const add = buckets.limiter.add.bind(buckets.limiter);
    buckets.limiter.add = (name, requests, at) => (added.push(requests), add(name, requests, at));
    const guard = guardFor(key(['ingest'], 100_000), null, buckets);
    const answers = await Promise.all(Array.from({ length: 300 }, () => call(guard, 'ingest')));
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(added.length).toBeLessThanOrEqual(3);
    await buckets.callers.flushAll();
    expect(added.reduce((a, b) => a + b, 0)).toBe(300);
    // Near the limit each request is counted in Redis first, so the limit holds exactly (the test above, at 5).
  });

  it("takes the ingest limit from the key's organization when it sets one", async () => {
    const guard = guardFor(key(['ingest'], 7));
    expect((await call(guard, 'ingest')).headers).toMatchObject({ 'RateLimit-Limit': '7' });
  });

  it('lets an admin-scoped key ingest and an ingest-only key not write', async () => {
    expect((await call(guardFor(key(['admin'])), 'ingest')).status).toBe(200);
    expect((await call(guardFor(key(['ingest'])), 'project-data:write')).status).toBe(403);
    expect((await call(guardFor(key(['read'])), 'ingest')).status).toBe(403);
  });

  it("answers a key's request about another project 404 before anything else", async () => {
    expect((await call(guardFor(key(['admin'])), 'ingest', { projectId: '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f59' })).status).toBe(404);
  });

  it('refuses an unknown key with 401', async () => {
    expect((await call(guardFor(null), 'ingest')).status).toBe(401);
  });
});

// Routes that name a budget, alert or channel by its own id: the guard finds the owning organization through the
// lookup a route module registered, then treats the request as one on `{orgId}` of that organization.
describe('identity guard: resources named by their own id', () => {
  const redis = new Redis(testEnv.redisUrl);
  afterAll(() => redis.quit());

  const OTHER_ORG = '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f60';
  const OURS = '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f61';
  const THEIRS = '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f62';
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwt = { issuer: 'llmlab-test', audience: 'llmlab-api', clockToleranceSeconds: 0 };
  const jwks = { ready: async () => undefined, keyFor: async () => publicKey } as unknown as JwksCache;
  new JwtStrategy(jwks, jwt);

  function accessToken(userId: string): string {
    const now = Math.floor(Date.now() / 1000);
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${part({ alg: 'RS256', typ: 'JWT', kid: 'k1' })}.${part({ sub: userId, iss: jwt.issuer, aud: jwt.audience, iat: now, exp: now + 60 })}`;
    return `${unsigned}.${sign('sha256', Buffer.from(unsigned), privateKey).toString('base64url')}`;
  }

  /** A member of ORG (with `role`) who belongs to no other organization; budgets OURS in ORG, THEIRS in OTHER_ORG. */
  function setup(options: { role?: AccessGrant['role']; apiKey?: ApiKeyCandidate } = {}) {
    const lookups: string[] = [];
    const denied: { context: RequestContext; resource: { type: string; id: string } }[] = [];
    const owners = new ResourceOwners(60_000);
    owners.register('budgetId', 'budget', async (id) => {
      lookups.push(id);
      return id === OURS ? ORG : id === THEIRS ? OTHER_ORG : null;
    });
    const grant: AccessGrant = {
      organizationId: ORG,
      role: options.role ?? 'member',
      rateLimits: { managementPerHour: null, ingestPerHour: null },
    };
    const guard = new IdentityGuard(new Reflector(), {
      jwks,
      apiKeys: { authenticate: async () => options.apiKey ?? null } as unknown as ApiKeyAuthenticator,
      access: {
        resolve: async (_user: string, target: { organizationId?: string }) => (target.organizationId === ORG ? grant : null),
      } as unknown as AccessResolver,
      owners,
      ...limiters(redis),
      limits: { managementPerHour: 100, ingestPerHour: 100, anonymousPerHour: 100 },
      operator: new OperatorToken(undefined),
      accessDenied: (context, resource) => denied.push({ context, resource }),
    });
    return { guard, lookups, denied };
  }

  async function call(guard: IdentityGuard, permission: Permission, params: Record<string, string>, credentials: Record<string, string>) {
    const req = { id: 'r-1', ip: '10.0.0.1', method: 'GET', headers: credentials, params } as { identity?: { context: RequestContext } };
    const ctx = {
      switchToHttp: () => ({ getRequest: () => req, getResponse: () => ({ headers: () => undefined }) }),
      getHandler: () => handlerWith(permission),
      getClass: () => Object,
    } as unknown as ExecutionContext;
    return guard.canActivate(ctx).then(
      () => ({ status: 200, code: undefined, message: undefined, context: req.identity?.context }),
      (err: GatewayProblem) => ({ status: err.status, code: err.code, message: err.message, context: undefined }),
    );
  }

  const asUser = { authorization: `Bearer ${accessToken(randomUUID())}` };
  const asKey = { 'x-api-key': 'llm_test_x' };

  it('authorizes a member in the owning organization and forwards that organization in the context', async () => {
    const { guard } = setup();
    const res = await call(guard, 'alerts:read', { budgetId: OURS }, asUser);
    expect(res).toMatchObject({ status: 200, context: { organizationId: ORG, actor: { type: 'user' } } });
  });

  it("answers another organization's id exactly as a missing one, and a malformed id without asking", async () => {
    const { guard, lookups, denied } = setup();
    const foreign = await call(guard, 'alerts:read', { budgetId: THEIRS }, asUser);
    const missing = await call(guard, 'alerts:read', { budgetId: randomUUID() }, asUser);
    expect(foreign).toEqual({ status: 404, code: 'BUDGET_NOT_FOUND', message: 'budget not found', context: undefined });
    expect(missing).toEqual(foreign);
    expect(await call(guard, 'alerts:read', { budgetId: 'not-a-uuid' }, asUser)).toEqual(foreign);
    expect(lookups).not.toContain('not-a-uuid');
    // Only the real resource of another tenant is reported, to its owner's audit log; a missing one is nobody's.
    expect(denied).toEqual([
      {
        context: expect.objectContaining({ organizationId: OTHER_ORG, actor: { type: 'user', id: expect.any(String) } }),
        resource: { type: 'budget', id: THEIRS },
      },
    ]);
  });

  it('checks the permission against the role in the owning organization', async () => {
    const { guard } = setup({ role: 'viewer' });
    expect((await call(guard, 'alerts:read', { budgetId: OURS }, asUser)).status).toBe(200);
    expect(await call(guard, 'alerts:write', { budgetId: OURS }, asUser)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });

  it("answers an API key 404 for another organization's resource, and 403 only inside its own", async () => {
    const { guard, denied } = setup({ apiKey: key(['admin']) });
    expect(await call(guard, 'alerts:read', { budgetId: THEIRS }, asKey)).toMatchObject({ status: 404, code: 'BUDGET_NOT_FOUND' });
    expect(denied).toEqual([
      {
        context: expect.objectContaining({ organizationId: OTHER_ORG, actor: { type: 'api_key', id: expect.any(String) } }),
        resource: { type: 'budget', id: THEIRS },
      },
    ]);
    expect(await call(guard, 'alerts:read', { budgetId: randomUUID() }, asKey)).toMatchObject({ status: 404, code: 'BUDGET_NOT_FOUND' });
    expect(await call(guard, 'alerts:read', { budgetId: OURS }, asKey)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });

  it('gives a parameter nobody registered no tenant, so a permission on it is refused', async () => {
    const { guard } = setup();
    expect(await call(guard, 'alerts:read', { channelId: randomUUID() }, asUser)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });

  it("reports another tenant's organization or project in the path for that tenant's log, and still answers 404 when reporting throws", async () => {
    const { guard, denied } = setup();
    const project = randomUUID();
    expect(await call(guard, 'alerts:read', { orgId: OTHER_ORG }, asUser)).toMatchObject({ status: 404, code: 'ORGANIZATION_NOT_FOUND' });
    expect(await call(guard, 'project-data:read', { projectId: project }, asUser)).toMatchObject({
      status: 404,
      code: 'PROJECT_NOT_FOUND',
    });
    expect(await call(guard, 'alerts:read', { orgId: 'not-a-uuid' }, asUser)).toMatchObject({ status: 404 });
    expect(denied).toEqual([
      {
        context: expect.objectContaining({ organizationId: OTHER_ORG, actor: { type: 'user', id: expect.any(String) } }),
        resource: { type: 'organization', id: OTHER_ORG },
      },
      // The project's organization is for the audit service to find: the gateway does not know it.
      { context: expect.not.objectContaining({ organizationId: expect.anything() }), resource: { type: 'project', id: project } },
    ]);

    const { guard: keyGuard, denied: keyDenied } = setup({ apiKey: key(['admin']) });
    expect(await call(keyGuard, 'project-data:read', { projectId: project }, asKey)).toMatchObject({
      status: 404,
      code: 'PROJECT_NOT_FOUND',
    });
    expect(keyDenied).toEqual([
      {
        context: expect.objectContaining({ actor: { type: 'api_key', id: expect.any(String) } }),
        resource: { type: 'project', id: project },
      },
    ]);

    const throwing = new IdentityGuard(new Reflector(), {
      jwks,
      apiKeys: { authenticate: async () => null } as unknown as ApiKeyAuthenticator,
      access: { resolve: async () => null } as unknown as AccessResolver,
      owners: new ResourceOwners(0),
      ...limiters(redis),
      limits: { managementPerHour: 100, ingestPerHour: 100, anonymousPerHour: 100 },
      operator: new OperatorToken(undefined),
      accessDenied: () => {
        throw new Error('audit unreachable');
      },
    });
    expect(await call(throwing, 'alerts:read', { orgId: OTHER_ORG }, asUser)).toMatchObject({
      status: 404,
      code: 'ORGANIZATION_NOT_FOUND',
    });
  });
});
