import { Inject, Injectable } from '@nestjs/common';
import {
  parseRfc3339,
  RecommendationErrorCode,
  type RequestContext,
  type RouteTrafficRequest,
  type RouteTrafficView,
} from '@llmlab/contracts';
import { FieldErrors, projectScope } from '@llmlab/domain';
import { PG_POOL } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import { RecommendationError } from '../recommendations/recommendation.errors';

const DAY_MS = 86_400_000;
/** The longest range asked at once: a year of days per route. */
export const ROUTE_TRAFFIC_MAX_DAYS = 366;
/** The last UTC day a date of four digits can name. */
const LAST_DAY = Date.UTC(9999, 11, 31) / DAY_MS;

/**
 * What each proxy route of the context's project served over the UTC days a range touches, from the daily route
 * traffic the projection keeps (`recommendations.route_daily`): calls, errors, fallbacks, cache hits, what they cost
 * and what the cache saved. A route removed since keeps its figures (its id no longer lists among the routes).
 */
@Injectable()
export class RouteTrafficQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async routeTraffic(context: RequestContext, request: RouteTrafficRequest): Promise<RouteTrafficView> {
    const scope = projectScope(context);
    const window = daysOf(request);
    const { rows } = await this.pool.query<{
      route_id: string;
      calls: string;
      errors: string;
      fallbacks: string;
      cache_hits: string;
      cost: string;
      cache_saved: string;
    }>(
      `SELECT route_id, sum(calls)::text AS calls, sum(errors)::text AS errors, sum(fallbacks)::text AS fallbacks,
         sum(cache_hits)::text AS cache_hits, sum(cost)::text AS cost, sum(cache_saved)::text AS cache_saved
       FROM recommendations.route_daily
       WHERE organization_id = $1 AND project_id = $2 AND day >= $3::date AND day < $4::date
       GROUP BY route_id ORDER BY sum(calls) DESC, route_id`,
      [scope.organizationId, scope.projectId, window.from, window.to],
    );
    return {
      window,
      routes: rows.map((r) => ({
        routeId: r.route_id,
        calls: Number(r.calls),
        errors: Number(r.errors),
        fallbacks: Number(r.fallbacks),
        cacheHits: Number(r.cache_hits),
        cost: { amount: r.cost, currency: 'USD' },
        cacheSaved: { amount: r.cache_saved, currency: 'USD' },
      })),
    };
  }
}

/** `[from, to)` as whole UTC days: the day `from` falls in, to the day after the one before `to`. */
function daysOf(request: RouteTrafficRequest): { from: string; to: string } {
  const errors = new FieldErrors();
  const instant = (field: 'from' | 'to') => {
    const value = request[field];
    const at = typeof value === 'string' ? parseRfc3339(value) : undefined;
    if (at === undefined) errors.add(`/${field}`, 'must be an RFC 3339 date-time, e.g. 2025-06-01T00:00:00Z');
    return at;
  };
  const [from, to] = [instant('from'), instant('to')];
  if (from !== undefined && to !== undefined && !(to > from)) errors.add('/to', 'must be after from');
  const first = from === undefined ? 0 : Math.floor(from / DAY_MS);
  const end = to === undefined ? 0 : Math.ceil(to / DAY_MS);
  if (errors.empty && to! - from! > ROUTE_TRAFFIC_MAX_DAYS * DAY_MS)
    errors.add('/from', `must be at most ${ROUTE_TRAFFIC_MAX_DAYS} days before to`);
  if (errors.empty && end > LAST_DAY) errors.add('/to', 'must be before 9999-12-31');
  if (!errors.empty) throw new RecommendationError(RecommendationErrorCode.Invalid, 'invalid route traffic range', errors.errors);
  const day = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);
  return { from: day(first), to: day(end) };
}
