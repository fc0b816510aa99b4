import { PROVIDERS, ROUTE_LIMITS, type Provider, type RouteEvent, type RouteTarget } from '@llmlab/contracts';
import { assertUnreachable, FieldErrors, type Decider } from '@llmlab/domain';
import { invalidRoute, routeLimitReached, routeNotFound } from '../proxy.errors';

/** The request as received: validated here. */
export type RouteCommand =
  | {
      type: 'SetRoute';
      data: {
        /** Used when the model has no route yet; a route keeps its id when it is set again. */
        newRouteId: string;
        organizationId: string;
        projectId: string;
        request: { model?: unknown; targets?: unknown; timeoutMs?: unknown; cacheTtlSeconds?: unknown };
        actorId: string;
        at: string;
      };
    }
  | { type: 'RemoveRoute'; data: { routeId: string; organizationId: string; projectId: string; actorId: string; at: string } };

export interface RouteState {
  /** The project's routes by model name. */
  routes: Map<string, { routeId: string; targets: RouteTarget[]; timeoutMs: number | null; cacheTtlSeconds: number | null }>;
}

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
  const targets = value.map((entry: unknown, i) => {
    const t = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    if (!(PROVIDERS as readonly unknown[]).includes(t.provider))
      errors.add(`/targets/${i}/provider`, `must be one of ${PROVIDERS.join(', ')}`);
    return { provider: t.provider as Provider, model: checkModel(t.model, `/targets/${i}/model`, errors) };
  });
  const first = targets[0]?.provider;
  targets.forEach((t, i) => {
    if (i > 0 && (PROVIDERS as readonly unknown[]).includes(t.provider) && t.provider !== first) {
      errors.add(`/targets/${i}/provider`, `must be ${first}, as the first target: fallbacks across formats are not available yet`);
    }
  });
  return targets;
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
      const targets = checkTargets(d.request.targets, errors);
      const timeoutMs = checkTimeout(d.request.timeoutMs, errors);
      const cacheTtlSeconds = checkCacheTtl(d.request.cacheTtlSeconds, errors);
      if (!errors.empty) throw invalidRoute(errors.errors);
      const existing = state.routes.get(model);
      if (!existing && state.routes.size >= ROUTE_LIMITS.maxRoutesPerProject) throw routeLimitReached(ROUTE_LIMITS.maxRoutesPerProject);
      if (
        existing &&
        existing.timeoutMs === timeoutMs &&
        existing.cacheTtlSeconds === cacheTtlSeconds &&
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
            targets,
            timeoutMs,
            ...(cacheTtlSeconds !== null ? { cacheTtlSeconds } : {}),
            setBy: d.actorId,
            at: d.at,
          },
        },
      ];
    }
    case 'RemoveRoute': {
      const d = command.data;
      const found = [...state.routes.entries()].find(([, r]) => r.routeId === d.routeId);
      if (!found) throw routeNotFound();
      return [
        {
          type: 'RouteRemoved',
          data: {
            routeId: d.routeId,
            organizationId: d.organizationId,
            projectId: d.projectId,
            model: found[0],
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
      routes.set(event.data.model, {
        routeId: event.data.routeId,
        targets: event.data.targets,
        timeoutMs: event.data.timeoutMs,
        cacheTtlSeconds: event.data.cacheTtlSeconds ?? null,
      });
      return { routes };
    case 'RouteRemoved':
      routes.delete(event.data.model);
      return { routes };
    default:
      return assertUnreachable(event);
  }
}

/** Every route of one project (one stream): at most one per model name. */
export const routeDecider: Decider<RouteCommand, RouteEvent, RouteState> = { decide, evolve, initialState: () => ({ routes: new Map() }) };
