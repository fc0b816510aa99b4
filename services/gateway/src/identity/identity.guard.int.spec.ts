import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AccessGrant, ApiKeyCandidate, Permission } from '@llmlab/contracts';
import { testEnv, uniqueSuffix } from '@llmlab/testing';
import { Redis } from 'ioredis';
import pino from 'pino';
import { GatewayProblem } from '../http/problem';
import type { AccessResolver } from './access.resolver';
import type { ApiKeyAuthenticator } from './api-key.authenticator';
import { Access } from './identity.decorators';
import { IdentityGuard } from './identity.guard';
import type { JwksCache } from './jwks.cache';
import { RateLimiter } from './rate-limiter';

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

  function guardFor(apiKey: ApiKeyCandidate | null, grant: AccessGrant | null = null) {
    return new IdentityGuard(new Reflector(), {
      jwks: {} as JwksCache,
      apiKeys: { authenticate: async () => apiKey } as unknown as ApiKeyAuthenticator,
      access: { resolve: async () => grant } as unknown as AccessResolver,
      limiter: new RateLimiter(redis, `t${uniqueSuffix()}`, pino({ level: 'silent' })),
      limits: { managementPerHour: 3, ingestPerHour: 5, anonymousPerHour: 100 },
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
