import { applyDecorators, createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiSecurity } from '@nestjs/swagger';
import { PERMISSIONS, type ApiKeyScope, type Permission, type RequestContext, type Role } from '@llmlab/contracts';
import type { FastifyRequest } from 'fastify';

export const ROUTE_ACCESS = 'llmlab:route-access';

/**
 * How a route is reached. Routes without a declaration need credentials and get the default permission for
 * their method (`project-data:read` for GET and HEAD, `project-data:write` otherwise), so forgetting one
 * never opens a route.
 */
export type RouteAccess =
  /** No credentials; `anonymousRateLimit` counts the request against the caller's IP. */
  | { kind: 'public'; anonymousRateLimit: boolean }
  /** Any signed-in user (and any API key when `apiKeys`): routes about the caller itself. */
  | { kind: 'authenticated'; apiKeys: boolean }
  /** The permission, checked in the organization or project the route's `{orgId}` or `{projectId}` names. */
  | { kind: 'permission'; permission: Permission }
  /** The platform operator alone (OPERATOR_API_TOKEN as a bearer token); no tenant credential is accepted. */
  | { kind: 'operator' };

/**
 * The access level every operation declares in the OpenAPI document (`x-llmlab-access`), emitted by the four
 * decorators below from the same declaration the identity guard enforces. The BOLA walk
 * (services/gateway/test/bola.e2e.spec.ts) derives what each caller must get from it; docs/security.md lists them.
 */
export type AccessLevel =
  | { level: 'public' }
  | { level: 'authenticated'; apiKeys: boolean }
  | { level: 'permission'; permission: Permission; minRole: Role; apiKeyScope: ApiKeyScope | null }
  | { level: 'operator' };

export const ACCESS_EXTENSION = 'x-llmlab-access';

/** No credentials needed (health, docs, JWKS, signup, login...). */
export function Public(options: { anonymousRateLimit?: boolean } = {}) {
  return applyDecorators(
    SetMetadata(ROUTE_ACCESS, { kind: 'public', anonymousRateLimit: options.anonymousRateLimit ?? false } satisfies RouteAccess),
    ApiExtension(ACCESS_EXTENSION, { level: 'public' } satisfies AccessLevel),
  );
}

/** Any signed-in user; with `apiKeys`, any API key too. */
export function Authenticated(options: { apiKeys?: boolean } = {}) {
  const apiKeys = options.apiKeys ?? false;
  return applyDecorators(
    SetMetadata(ROUTE_ACCESS, { kind: 'authenticated', apiKeys } satisfies RouteAccess),
    ApiExtension(ACCESS_EXTENSION, { level: 'authenticated', apiKeys } satisfies AccessLevel),
    ApiBearerAuth('bearer'),
    ...(apiKeys ? [ApiSecurity('apiKey')] : []),
  );
}

/**
 * The permission the route needs (contracts' PERMISSIONS: a minimum role for users, a scope for API keys; a
 * permission without a scope is for users only).
 */
export function Access(permission: Permission) {
  const apiKeys = PERMISSIONS[permission].apiKeyScope !== null;
  return applyDecorators(
    SetMetadata(ROUTE_ACCESS, { kind: 'permission', permission } satisfies RouteAccess),
    ApiExtension(ACCESS_EXTENSION, {
      level: 'permission',
      permission,
      minRole: PERMISSIONS[permission].minRole,
      apiKeyScope: PERMISSIONS[permission].apiKeyScope,
    } satisfies AccessLevel),
    ApiBearerAuth('bearer'),
    ...(apiKeys ? [ApiSecurity('apiKey')] : []),
  );
}

/**
 * The operator API: only `Authorization: Bearer <OPERATOR_API_TOKEN>`; every tenant credential is a 401, and the
 * route answers 404 when the token is not configured.
 */
export function Operator() {
  return applyDecorators(
    SetMetadata(ROUTE_ACCESS, { kind: 'operator' } satisfies RouteAccess),
    ApiExtension(ACCESS_EXTENSION, { level: 'operator' } satisfies AccessLevel),
    ApiBearerAuth('operator'),
  );
}

/** The request context to forward to a service: correlation id, actor, organization, project, IP, user agent. */
export const Caller = createParamDecorator((_: unknown, ctx: ExecutionContext): RequestContext => {
  const req = ctx.switchToHttp().getRequest<FastifyRequest>();
  return req.identity?.context ?? { correlationId: String(req.id) };
});
