import { Inject, Injectable } from '@nestjs/common';
import type { ForecastView, RequestContext } from '@llmlab/contracts';
import { Money, organizationScope, toMoneyString } from '@llmlab/domain';
import { PG_POOL } from '@llmlab/service-kit';
import { forecastWithIntervals, periodContaining } from '@llmlab/spend-analytics';
import type { Pool } from 'pg';

/** Complete days of history read: enough for the lookback and the one-day-ahead errors the intervals measure. */
const HISTORY_DAYS = 56;
const DAY_MS = 86_400_000;

/**
 * The month-end forecast of a project (or an organization) from the service's own daily traffic: the same
 * implementation as the budgets' forecast rule, with its intervals and daily series (docs/forecasting.md). Days are
 * UTC days, the traffic model's.
 */
@Injectable()
export class ForecastQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async forecast(context: RequestContext, now = new Date()): Promise<ForecastView> {
    const scope = organizationScope(context);
    const period = periodContaining(now, 'monthly', 'UTC');
    const today = now.toISOString().slice(0, 10);
    const since = new Date(Date.parse(`${today}T00:00:00Z`) - HISTORY_DAYS * DAY_MS).toISOString().slice(0, 10);
    const args: unknown[] = [scope.organizationId, since];
    const project = context.projectId ? ` AND project_id = $${args.push(context.projectId)}` : '';
    const { rows } = await this.pool.query<{ day: string; cost: string }>(
      `SELECT day::text AS day, sum(cost)::text AS cost FROM recommendations.traffic_daily
       WHERE organization_id = $1 AND day >= $2::date${project} GROUP BY day ORDER BY day`,
      args,
    );
    const start = period.start.toISOString().slice(0, 10);
    const spendToDate = rows.filter((r) => r.day >= start && r.day <= today).reduce((sum, r) => sum.plus(r.cost), new Money(0));
    const history = rows.filter((r) => r.day < today).map((r) => ({ date: r.day, amount: r.cost }));
    const forecast = forecastWithIntervals({ period, now, spendToDate: toMoneyString(spendToDate), history });
    return {
      period: { start: period.start.toISOString(), end: period.end.toISOString(), timeZone: 'UTC' },
      currency: 'USD',
      spendToDate: forecast.spendToDate,
      projected: forecast.projected,
      method: forecast.method,
      intervals: forecast.intervals,
      uncertainty: {
        status: forecast.uncertainty.status,
        residuals: forecast.uncertainty.residuals,
        relativeError: forecast.uncertainty.relativeError,
        bias: forecast.uncertainty.bias,
      },
      daily: forecast.daily,
    };
  }
}
