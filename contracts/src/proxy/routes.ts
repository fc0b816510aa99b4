import { defineSubject } from '../messaging';
import { streamName } from '../envelope';
import type { ProxyProvider } from './proxy-providers';

/** One place a route sends a call: a provider (the project's stored key for it, or the caller's own) and a model there. */
export interface RouteTarget {
  provider: ProxyProvider;
  model: string;
}

export const ROUTE_LIMITS = {
  maxRoutesPerProject: 100,
  maxTargets: 5,
  maxModelLength: 200,
  maxFeatureLength: 256,
  minTimeoutMs: 1_000,
  maxTimeoutMs: 600_000,
  maxCacheTtlSeconds: 86_400,
} as const;

export type RouteEvent =
  | {
      type: 'RouteSet';
      data: {
        routeId: string;
        organizationId: string;
        projectId: string;
        /** The model name callers send: an alias, or a real model whose calls get fallbacks. */
        model: string;
        /**
         * Only calls tagged `feature=<this>` (`''`: calls without a feature tag); absent or null: every call for the
         * model. A call takes its feature's route first, then the model's route for every call.
         */
        feature?: string | null;
        /** In order: the first is tried first; the next on 429, 5xx, a timeout or a connection error. */
        targets: RouteTarget[];
        /** How long each target may take to send its status and headers; null: the operator's default. */
        timeoutMs: number | null;
        /** Answers kept this long and replayed for the same request (absent in events before the cache: null, off). */
        cacheTtlSeconds?: number | null;
        /** The model right-sizing recommendation this route applies (set when it was applied from one). */
        recommendationId?: string | null;
        setBy: string;
        at: string;
      };
    }
  | {
      type: 'RouteRemoved';
      data: {
        routeId: string;
        organizationId: string;
        projectId: string;
        model: string;
        feature?: string | null;
        removedBy: string;
        at: string;
      };
    };

export const routeStreams = {
  /** Every route of one project: a route per model name and feature. */
  routes: (projectId: string) => streamName('proxy', 'routes', projectId),
};

export interface SetRouteRequest {
  model: string;
  feature?: string | null;
  targets: RouteTarget[];
  timeoutMs?: number | null;
  cacheTtlSeconds?: number | null;
  /**
   * Set by the recommendations service only (`POST /v1/recommendations/{id}/apply`), never from the public API: a
   * route for the same model and feature that applies another recommendation, or none, is not replaced (409).
   */
  recommendationId?: string | null;
}

export interface RouteView {
  routeId: string;
  model: string;
  feature: string | null;
  targets: RouteTarget[];
  timeoutMs: number | null;
  cacheTtlSeconds: number | null;
  recommendationId: string | null;
  updatedAt: string;
  updatedBy: string;
}

export const routeSubjects = {
  setRoute: defineSubject<SetRouteRequest, RouteView>('proxy.cmd.set-route'),
  listRoutes: defineSubject<Record<string, never>, RouteView[]>('proxy.query.routes'),
  removeRoute: defineSubject<{ routeId: string }, Record<string, never>>('proxy.cmd.remove-route'),
};
