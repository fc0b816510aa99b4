import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import passport from 'passport';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  clientIpBucket,
  hasRole,
  looksLikeApiKey,
  PERMISSIONS,
  scopesAllow,
  type AccessGrant,
  type Permission,
  type RateLimitOverrides,
  type RequestContext,
} from '@llmlab/contracts';
import { GatewayProblem } from '../http/problem';
import type { AccessResolver } from './access.resolver';
import type { ApiKeyAuthenticator } from '@llmlab/api-keys';
import { forbidden, notFound, routeNotFound, unauthenticated } from './identity.errors';
import { ROUTE_ACCESS, type RouteAccess } from './identity.decorators';
import type { JwksCache } from './jwks.cache';
import type { OperatorToken } from './operator-token';
import { JWT_STRATEGY } from './jwt.strategy';
import type { Principal } from './principal';
import type { BufferedRateLimiter, RateLimiter, RateLimitResult } from '@llmlab/api-keys';
import type { ResourceOwners } from './resource-owners';
import { isUuid } from '@llmlab/domain';

export interface RateLimitDefaults {
  managementPerHour: number;
  ingestPerHour: number;
  anonymousPerHour: number;
}

export interface IdentityDependencies {
  jwks: JwksCache;
  apiKeys: ApiKeyAuthenticator;
  access: AccessResolver;
  owners: ResourceOwners;
  /** Per client IP, before authentication (the public auth routes, failed authentications): each request in Redis. */
  limiter: RateLimiter;
  /**
   * Per user or API key, once authenticated: counted in memory far from the limit and added to Redis every few
   * milliseconds, exact near it (docs/security.md, "Rate limits"); no Redis round trip on most requests.
   */
  callers: BufferedRateLimiter;
  limits: RateLimitDefaults;
  operator: OperatorToken;
  /**
   * Told when a credential of one tenant named another tenant's resource (and gets its 404): the audit service
   * records it in the owner's log. Never awaited: it must not slow or change the answer.
   */
  accessDenied?: (context: RequestContext, resource: { type: string; id: string }) => void;
}

/**
 * Every request passes here before its controller: authentication (JWT or API key), tenancy (the route's
 * `{orgId}`/`{projectId}`, or a resource id registered in `ResourceOwners`, resolved to the caller's role, or
 * checked against the key's project; another tenant's resource is a 404 like a missing one), the route's
 * permission (403 in the caller's own tenant), the rate limit (429 with headers), and finally the request context
 * forwarded to the owning service.
 */
@Injectable()
export class IdentityGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly deps: IdentityDependencies,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<FastifyRequest>();
    const reply = ctx.switchToHttp().getResponse<FastifyReply>();
    const route =
      this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [ctx.getHandler(), ctx.getClass()]) ??
      defaultAccess(req.method);
    const base: RequestContext = { correlationId: String(req.id), ip: req.ip, userAgent: headerValue(req.headers['user-agent']) };
    const anonymousBucket = `anonymous:ip:${clientIpBucket(req.ip)}`;

    if (route.kind === 'public') {
      if (route.anonymousRateLimit) await this.limit(reply, anonymousBucket, this.deps.limits.anonymousPerHour);
      req.identity = { context: base };
      return true;
    }

    if (route.kind === 'operator') {
      req.identity = { context: await this.authenticateOperator(req, reply, base, anonymousBucket) };
      return true;
    }

    const principal = await this.authenticate(req, reply, base.correlationId, anonymousBucket).catch(async (err: unknown) => {
      // Failed authentications count against the caller's IP like anonymous requests: past the limit the
      // answer is 429, and unknown API keys are no longer looked up (no flooding the auth service).
      if (err instanceof GatewayProblem && err.status === 401) await this.limit(reply, anonymousBucket, this.deps.limits.anonymousPerHour);
      throw err;
    });
    const keysAllowed = route.kind === 'authenticated' ? route.apiKeys : PERMISSIONS[route.permission].apiKeyScope !== null;
    if (principal.type === 'api_key' && !keysAllowed) {
      // Another tenant's id answers 404 first, as for anyone; only inside its own tenant does a key learn more.
      await this.assertKeyTenancy(req, principal, base);
      throw forbidden('this operation needs a signed-in user, not an API key');
    }

    const actor =
      principal.type === 'user' ? { type: 'user' as const, id: principal.userId } : { type: 'api_key' as const, id: principal.key.id };
    const context: RequestContext = { ...base, actor };
    const permission = route.kind === 'permission' ? route.permission : undefined;
    let overrides: RateLimitOverrides | undefined;
    if (principal.type === 'user') {
      const grant = await this.resolveTenancy(req, principal.userId, base);
      if (grant) {
        if (permission && !hasRole(grant.role, PERMISSIONS[permission].minRole)) {
          throw forbidden(`this operation needs the ${PERMISSIONS[permission].minRole} role or higher`);
        }
        Object.assign(context, { organizationId: grant.organizationId, ...(grant.projectId ? { projectId: grant.projectId } : {}) });
        overrides = grant.rateLimits;
      } else if (permission) {
        throw forbidden('this operation needs an organization or a project in its path');
      }
    } else {
      await this.assertKeyTenancy(req, principal, base);
      const scope = permission ? PERMISSIONS[permission].apiKeyScope : null;
      if (scope && !scopesAllow(principal.key.scopes, scope)) throw forbidden(`this API key lacks the ${scope} scope`);
      Object.assign(context, { organizationId: principal.key.organizationId, projectId: principal.key.projectId });
      overrides = principal.key.rateLimits;
    }

    const ingest = permission === 'ingest';
    const subject = principal.type === 'user' ? `user:${principal.userId}:${context.organizationId ?? '-'}` : `key:${principal.key.id}`;
    const limit = ingest
      ? (overrides?.ingestPerHour ?? this.deps.limits.ingestPerHour)
      : (overrides?.managementPerHour ?? this.deps.limits.managementPerHour);
    await this.limit(reply, `${ingest ? 'ingest' : 'management'}:${subject}`, limit, this.deps.callers);

    req.identity = { principal, context };
    return true;
  }

  /**
   * The operator's bearer token and nothing else: a tenant's access token or API key is just a wrong token (401),
   * counted against the caller's IP like any failed authentication. The organization the route names is the
   * context's (the operator may reach any); the service answers 404 when it does not exist.
   */
  private async authenticateOperator(
    req: FastifyRequest,
    reply: FastifyReply,
    base: RequestContext,
    anonymousBucket: string,
  ): Promise<RequestContext> {
    if (!this.deps.operator.enabled) throw routeNotFound();
    if (!this.deps.operator.matches(bearerToken(req))) {
      await this.limit(reply, anonymousBucket, this.deps.limits.anonymousPerHour);
      throw unauthenticated();
    }
    const { orgId } = tenancyParams(req);
    if (orgId !== undefined && !isUuid(orgId)) throw notFound('organization');
    return { ...base, actor: { type: 'operator', id: 'operator' }, ...(orgId !== undefined ? { organizationId: orgId } : {}) };
  }

  private async authenticate(req: FastifyRequest, reply: FastifyReply, correlationId: string, anonymousBucket: string): Promise<Principal> {
    const header = headerValue(req.headers['x-api-key']);
    const bearer = bearerToken(req);
    const apiKey = header ?? (bearer && looksLikeApiKey(bearer) ? bearer : undefined);
    if (apiKey) {
      const key = await this.deps.apiKeys.authenticate(apiKey, correlationId, async () => {
        const state = await this.deps.limiter.peek(anonymousBucket, this.deps.limits.anonymousPerHour);
        if (!state.allowed) throw tooManyRequests(state);
      });
      if (!key) throw unauthenticated();
      return { type: 'api_key', key };
    }
    if (!bearer) throw unauthenticated();
    await this.deps.jwks.ready(correlationId);
    const principal = await new Promise<Principal | false>((resolve, reject) =>
      passport.authenticate(JWT_STRATEGY, { session: false }, (err: unknown, user: Principal | false) =>
        err ? reject(err) : resolve(user),
      )(req, reply, reject),
    );
    if (!principal) throw unauthenticated();
    return principal;
  }

  /**
   * The role of the user in the organization or project the route names, directly or as the owner of a resource
   * it names; 404 when none (or not a member).
   */
  private async resolveTenancy(req: FastifyRequest, userId: string, base: RequestContext): Promise<AccessGrant | null> {
    const { correlationId } = base;
    const grant = await this.resolvePathTenant(req, userId, base);
    const owned = await this.deps.owners.resolve(pathParams(req), correlationId);
    if (!owned) return grant;
    const ownerGrant = grant ?? (await this.deps.access.resolve(userId, { organizationId: owned.organizationId }, correlationId));
    if (!ownerGrant || ownerGrant.organizationId !== owned.organizationId) {
      this.deps.accessDenied?.(
        { ...base, actor: { type: 'user', id: userId }, organizationId: owned.organizationId },
        { type: owned.resource, id: owned.id },
      );
      throw notFound(owned.resource);
    }
    return ownerGrant;
  }

  private async resolvePathTenant(req: FastifyRequest, userId: string, base: RequestContext): Promise<AccessGrant | null> {
    const { orgId, projectId } = tenancyParams(req);
    if (projectId === undefined && orgId === undefined) return null;
    const what = projectId !== undefined ? 'project' : 'organization';
    const id = projectId ?? orgId!;
    if (!isUuid(id)) throw notFound(what);
    const grant = await this.deps.access.resolve(
      userId,
      projectId !== undefined ? { projectId } : { organizationId: orgId! },
      base.correlationId,
    );
    if (!grant) {
      // Not a member, or nothing of that id: the audit service tells which from its index, and records only the first.
      this.reportDenied({ ...base, actor: { type: 'user', id: userId } }, { type: what, id }, projectId === undefined ? orgId : undefined);
      throw notFound(what);
    }
    if (orgId !== undefined && grant.organizationId !== orgId) throw notFound(what);
    return grant;
  }

  /**
   * Another tenant's organization or project in the path: reported for the log of the organization it belongs to
   * (named when the path names it; the audit service finds a project's). The 404 neither waits for the report nor
   * changes when it fails.
   */
  private reportDenied(base: RequestContext, resource: { type: string; id: string }, organizationId: string | undefined): void {
    try {
      this.deps.accessDenied?.({ ...base, ...(organizationId !== undefined ? { organizationId } : {}) }, resource);
    } catch {
      // Best effort: the module's reporter logs its own failures.
    }
  }

  /** A key lives in one project: any other project or organization in the path, or their resources, are not found. */
  private async assertKeyTenancy(
    req: FastifyRequest,
    principal: Extract<Principal, { type: 'api_key' }>,
    base: RequestContext,
  ): Promise<void> {
    const { correlationId } = base;
    const { orgId, projectId } = tenancyParams(req);
    const actor = { type: 'api_key' as const, id: principal.key.id };
    if (projectId !== undefined && projectId !== principal.key.projectId) {
      if (isUuid(projectId)) this.reportDenied({ ...base, actor }, { type: 'project', id: projectId }, undefined);
      throw notFound('project');
    }
    if (orgId !== undefined && orgId !== principal.key.organizationId) {
      if (isUuid(orgId)) this.reportDenied({ ...base, actor }, { type: 'organization', id: orgId }, orgId);
      throw notFound('organization');
    }
    const owned = await this.deps.owners.resolve(pathParams(req), correlationId);
    if (owned && owned.organizationId !== principal.key.organizationId) {
      this.deps.accessDenied?.(
        { ...base, actor: { type: 'api_key', id: principal.key.id }, organizationId: owned.organizationId },
        { type: owned.resource, id: owned.id },
      );
      throw notFound(owned.resource);
    }
  }

  private async limit(
    reply: FastifyReply,
    bucket: string,
    limit: number,
    limiter: Pick<RateLimiter, 'hit'> = this.deps.limiter,
  ): Promise<void> {
    const result = await limiter.hit(bucket, limit);
    if (!result.allowed) throw tooManyRequests(result);
    void reply.headers(rateLimitHeaders(result));
  }
}

function tooManyRequests(result: RateLimitResult): GatewayProblem {
  return new GatewayProblem(
    429,
    'RATE_LIMITED',
    `rate limit of ${result.limit} requests per hour exceeded; retry in ${result.resetSeconds} s`,
    undefined,
    {
      ...rateLimitHeaders(result),
      'Retry-After': String(result.resetSeconds),
    },
  );
}

function defaultAccess(method: string): RouteAccess {
  const permission: Permission = method === 'GET' || method === 'HEAD' ? 'project-data:read' : 'project-data:write';
  return { kind: 'permission', permission };
}

function pathParams(req: FastifyRequest): Record<string, string | undefined> {
  return (req.params ?? {}) as Record<string, string | undefined>;
}

function tenancyParams(req: FastifyRequest): { orgId?: string; projectId?: string } {
  const params = pathParams(req);
  return { orgId: params.orgId, projectId: params.projectId };
}

function rateLimitHeaders(result: RateLimitResult): Record<string, string> {
  return {
    'RateLimit-Limit': String(result.limit),
    'RateLimit-Remaining': String(result.remaining),
    'RateLimit-Reset': String(result.resetSeconds),
  };
}

function bearerToken(req: FastifyRequest): string | undefined {
  return /^Bearer ([^\s]+)$/i.exec(headerValue(req.headers.authorization) ?? '')?.[1];
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
