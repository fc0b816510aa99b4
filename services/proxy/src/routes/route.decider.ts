import { isProxyProvider, PROXY_PROVIDER_IDS, ROUTE_LIMITS, type RouteEvent, type RouteTarget } from '@llmlab/contracts';
import { assertUnreachable, FieldErrors, isUuid, type Decider } from '@llmlab/domain';
import { invalidRoute, routeLimitReached, routeNotFound, routeTaken } from '../proxy.errors';

/** The request as received: validated here. */
export type RouteCommand =
  | {
      type: 'SetRoute';
      data: {
        /** Used when the model has no route yet; a route keeps its id when it is set again. */
        newRouteId: string;
        organizationId: string;
        projectId: string;
        request: {
          model?: unknown;
          feature?: unknown;
          targets?: unknown;
          timeoutMs?: unknown;
          cacheTtlSeconds?: unknown;
          recommendationId?: unknown;
        };
        actorId: string;
        at: string;
      };
    }
  | { type: 'RemoveRoute'; data: { routeId: string; organizationId: string; projectId: string; actorId: string; at: string } };

export interface RouteState {
  /** The project's routes by `routeKey(model, feature)`. */
  routes: Map<
    string,
    {
      routeId: string;
      model: string;
      feature: string | null;
      targets: RouteTarget[];
      timeoutMs: number | null;
      cacheTtlSeconds: number | null;
      recommendationId: string | null;
    }
  >;
}

/** One route per model name and feature (null: every call for the model). */
export const routeKey = (model: string, feature: string | null) => JSON.stringify([model, feature]);

/** Printable, no spaces at either end: what callers put in a request's `model`. */
const MODEL = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

function checkModel(value: unknown, field: string, errors: FieldErrors): string {
  if (typeof value !== 'string' || value.length > ROUTE_LIMITS.maxModelLength || !MODEL.test(value)) {
    errors.add(field, `must be a model name of 1 to ${ROUTE_LIMITS.maxModelLength} printable characters`);
    return '';
  }
  return value;
}

function checkTargets(value: unknown, errors: FieldErrors): RouteTarget[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > ROUTE_LIMITS.maxTargets) {
    errors.add('/targets', `must list 1 to ${ROUTE_LIMITS.maxTargets} targets, in the order they are tried`);
    return [];
  }
  // Targets may be of either format: the proxy translates a chat call for a target of the other one.
  return value.map((entry: unknown, i) => {
    const t = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    if (!isProxyProvider(t.provider)) errors.add(`/targets/${i}/provider`, `must be one of ${PROXY_PROVIDER_IDS.join(', ')}`);
    return { provider: t.provider as RouteTarget['provider'], model: checkModel(t.model, `/targets/${i}/model`, errors) };
  });
}

/** A tag value as usage events take it: no control characters. */
const FEATURE = /^[^\p{Cc}]*$/u;

function checkFeature(value: unknown, errors: FieldErrors): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length > ROUTE_LIMITS.maxFeatureLength || !FEATURE.test(value)) {
    errors.add(
      '/feature',
      `must be the value of the calls' feature tag (at most ${ROUTE_LIMITS.maxFeatureLength} characters, '' for calls without one), or null for every call`,
    );
    return null;
  }
  return value;
}

function checkTimeout(value: unknown, errors: FieldErrors): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < ROUTE_LIMITS.minTimeoutMs || value > ROUTE_LIMITS.maxTimeoutMs) {
    errors.add('/timeoutMs', `must be a whole number of milliseconds from ${ROUTE_LIMITS.minTimeoutMs} to ${ROUTE_LIMITS.maxTimeoutMs}`);
    return null;
  }
  return value;
}

function checkCacheTtl(value: unknown, errors: FieldErrors): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > ROUTE_LIMITS.maxCacheTtlSeconds) {
    errors.add('/cacheTtlSeconds', `must be a whole number of seconds from 1 to ${ROUTE_LIMITS.maxCacheTtlSeconds}, or null (no cache)`);
    return null;
  }
  return value;
}

function decide(command: RouteCommand, state: RouteState): RouteEvent[] {
  switch (command.type) {
    case 'SetRoute': {
      const d = command.data;
      const errors = new FieldErrors();
      const model = checkModel(d.request.model, '/model', errors);
      const feature = checkFeature(d.request.feature, errors);
      const recommendationId = d.request.recommendationId;
      if (recommendationId !== undefined && recommendationId !== null && !isUuid(recommendationId)) {
        errors.add('/recommendationId', 'must be a recommendation id');
      }
      const targets = checkTargets(d.request.targets, errors);
      const timeoutMs = checkTimeout(d.request.timeoutMs, errors);
      const cacheTtlSeconds = checkCacheTtl(d.request.cacheTtlSeconds, errors);
      if (!errors.empty) throw invalidRoute(errors.errors);
      const existing = state.routes.get(routeKey(model, feature));
      const applies = typeof recommendationId === 'string' ? recommendationId : null;
      // Applying a recommendation never replaces a route the team set by hand, or one applying another.
      if (applies && existing && existing.recommendationId !== applies) throw routeTaken(model, feature);
      if (!existing && state.routes.size >= ROUTE_LIMITS.maxRoutesPerProject) throw routeLimitReached(ROUTE_LIMITS.maxRoutesPerProject);
      if (
        existing &&
        existing.timeoutMs === timeoutMs &&
        existing.cacheTtlSeconds === cacheTtlSeconds &&
        (applies ?? existing.recommendationId) === existing.recommendationId &&
        JSON.stringify(existing.targets) === JSON.stringify(targets)
      )
        return [];
      return [
        {
          type: 'RouteSet',
          data: {
            routeId: existing?.routeId ?? d.newRouteId,
            organizationId: d.organizationId,
            projectId: d.projectId,
            model,
            ...(feature !== null ? { feature } : {}),
            targets,
            timeoutMs,
            ...(cacheTtlSeconds !== null ? { cacheTtlSeconds } : {}),
            // Set by hand again, a route keeps the recommendation it applies.
            ...((applies ?? existing?.recommendationId) ? { recommendationId: applies ?? existing!.recommendationId } : {}),
            setBy: d.actorId,
            at: d.at,
          },
        },
      ];
    }
    case 'RemoveRoute': {
      const d = command.data;
      const found = [...state.routes.values()].find((r) => r.routeId === d.routeId);
      if (!found) throw routeNotFound();
      return [
        {
          type: 'RouteRemoved',
          data: {
            routeId: d.routeId,
            organizationId: d.organizationId,
            projectId: d.projectId,
            model: found.model,
            ...(found.feature !== null ? { feature: found.feature } : {}),
            removedBy: d.actorId,
            at: d.at,
          },
        },
      ];
    }
    default:
      return assertUnreachable(command);
  }
}

function evolve(state: RouteState, event: RouteEvent): RouteState {
  const routes = new Map(state.routes);
  switch (event.type) {
    case 'RouteSet':
      routes.set(routeKey(event.data.model, event.data.feature ?? null), {
        routeId: event.data.routeId,
        model: event.data.model,
        feature: event.data.feature ?? null,
        targets: event.data.targets,
        timeoutMs: event.data.timeoutMs,
        cacheTtlSeconds: event.data.cacheTtlSeconds ?? null,
        recommendationId: event.data.recommendationId ?? null,
      });
      return { routes };
    case 'RouteRemoved':
      routes.delete(routeKey(event.data.model, event.data.feature ?? null));
      return { routes };
    default:
      return assertUnreachable(event);
  }
}

/** Every route of one project (one stream): at most one per model name and feature. */
export const routeDecider: Decider<RouteCommand, RouteEvent, RouteState> = { decide, evolve, initialState: () => ({ routes: new Map() }) };
