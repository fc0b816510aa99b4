import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { MoneyAmount, RealizedSavings, RecommendationView } from '@llmlab/contracts';
import { Money, toMoneyString, trustedScope } from '@llmlab/domain';
import { PG_POOL } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import { PriceQuoteClient } from '../pricing/price-quote.client';
import type { QuoteCall } from '../recommenders/recommender';

const DAY_MS = 86_400_000;
const usd = (amount: Money): MoneyAmount => ({ amount: toMoneyString(amount), currency: 'USD' });

interface Tokens {
  day: string;
  calls: number;
  input_tokens: number;
  cached_input_tokens: number;
  cache_write_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  cost: string;
}

/**
 * What an accepted recommendation saved: the traffic in its scope since the day it was accepted, as recorded,
 * against the same traffic priced as it would have been before the change (docs/recommendations.md, "Realized
 * savings"). Kinds whose change the recorded traffic cannot show (a batch discount the caller does not report, less
 * reasoning, a price set) are not measured.
 */
@Injectable()
export class RealizedSavingsMeter {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly quotes: PriceQuoteClient,
  ) {}

  async measure(view: RecommendationView, now: Date): Promise<RealizedSavings | null> {
    if (view.status !== 'accepted' || !view.acceptedAt) return null;
    const from = view.acceptedAt.slice(0, 10);
    const to = new Date(Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
    const window = { from, to };
    const { scope } = view;
    switch (view.kind) {
      case 'model_rightsizing': {
        if (view.appliedRoute) return this.measureRoute(view, view.appliedRoute, to);
        const rows = await this.days(
          `SELECT day::text AS day, ${SUMS} FROM recommendations.traffic_daily
           WHERE organization_id = $1 AND project_id = $2 AND day >= $3::date AND day < $4::date AND provider = $5 AND feature = $6
           GROUP BY day ORDER BY day`,
          [view.organizationId, view.projectId, from, to, scope.provider, scope.feature],
        );
        const baseline = await this.price(view, rows, (r) => ({ provider: scope.provider!, model: scope.model!, usage: usageOf(r) }));
        return (
          baseline && result(window, rows, baseline, `the feature's calls since then priced at ${scope.model}, the model before the change`)
        );
      }
      case 'prompt_caching': {
        const before = Number(view.evidence.figures.cachedShare ?? 0);
        const rows = await this.days(
          `SELECT day::text AS day, sum(calls)::float8 AS calls, max(prefix_tokens)::float8 AS prefix_tokens, sum(input_tokens)::float8 AS input_tokens,
             sum(cached_input_tokens)::float8 AS cached_input_tokens, sum(cache_write_tokens)::float8 AS cache_write_tokens,
             0::float8 AS output_tokens, 0::float8 AS reasoning_tokens, sum(cost)::text AS cost
           FROM recommendations.prefix_daily
           WHERE organization_id = $1 AND project_id = $2 AND day >= $3::date AND day < $4::date AND provider = $5 AND model = $6 AND prefix_hash = $7
           GROUP BY day ORDER BY day`,
          [view.organizationId, view.projectId, from, to, scope.provider, scope.model, String(view.evidence.figures.prefixHash)],
        );
        const baseline = await this.price(view, rows, (r) => {
          const prefix = (r as Tokens & { prefix_tokens: number }).prefix_tokens;
          const cached = Math.min(r.input_tokens, Math.floor(before * r.calls * prefix));
          return {
            provider: scope.provider!,
            model: scope.model!,
            usage: { inputTokens: r.input_tokens, cachedInputTokens: cached, cacheWriteTokens: 0, outputTokens: 0 },
          };
        });
        // The prefix calls' recorded cost includes their output, which the baseline leaves out: compare input only.
        const inputOnly = await this.price(view, rows, (r) => ({
          provider: scope.provider!,
          model: scope.model!,
          usage: { ...usageOf(r), outputTokens: 0 },
        }));
        if (!baseline || !inputOnly) return null;
        const actual = inputOnly.reduce((sum, q) => sum.plus(q), new Money(0));
        const base = baseline.reduce((sum, q) => sum.plus(q), new Money(0));
        return {
          window,
          actual: usd(actual),
          baseline: usd(base),
          saved: usd(base.minus(actual)),
          method: `the prefix's input tokens since then priced as they were, and with the cache-read share measured before the change (${(before * 100).toFixed(1)} %)`,
        };
      }
      case 'failed_spend': {
        const rows = await this.days(
          `SELECT day::text AS day, sum(calls)::float8 AS calls, 0::float8 AS input_tokens, 0::float8 AS cached_input_tokens,
             0::float8 AS cache_write_tokens, 0::float8 AS output_tokens, 0::float8 AS reasoning_tokens, sum(error_cost)::text AS cost
           FROM recommendations.traffic_daily
           WHERE organization_id = $1 AND project_id = $2 AND day >= $3::date AND day < $4::date AND provider = $5 AND model = $6 AND feature = $7
           GROUP BY day ORDER BY day`,
          [view.organizationId, view.projectId, from, to, scope.provider, scope.model, scope.feature],
        );
        const evidenceDays = Math.max(
          1,
          Math.round((Date.parse(view.evidence.window.to) - Date.parse(view.evidence.window.from)) / DAY_MS),
        );
        const perDay = new Money(String(view.evidence.figures.failedCost ?? '0')).div(evidenceDays);
        const measuredDays = Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS);
        const actual = rows.reduce((sum, r) => sum.plus(r.cost), new Money(0));
        const base = perDay.times(measuredDays);
        return {
          window,
          actual: usd(actual),
          baseline: usd(base),
          saved: usd(base.minus(actual)),
          method: `the failed calls' cost since then against their daily cost before the change (${new Money(toMoneyString(perDay)).toFixed()} USD a day)`,
        };
      }
      default:
        return null;
    }
  }

  /**
   * Applied as a proxy route: the calls that route served since it was applied, as recorded, against the same tokens
   * priced at the model the callers asked for (the model before the change), day by day.
   */
  private async measureRoute(
    view: RecommendationView,
    route: NonNullable<RecommendationView['appliedRoute']>,
    to: string,
  ): Promise<RealizedSavings | null> {
    const from = route.appliedAt.slice(0, 10);
    const rows = await this.days(
      `SELECT day::text AS day, ${SUMS} FROM recommendations.route_daily
       WHERE organization_id = $1 AND project_id = $2 AND route_id = $3 AND day >= $4::date AND day < $5::date
       GROUP BY day ORDER BY day`,
      [view.organizationId, view.projectId, route.routeId, from, to],
    );
    const { scope } = view;
    const baseline = await this.price(view, rows, (r) => ({ provider: scope.provider!, model: scope.model!, usage: usageOf(r) }));
    return (
      baseline &&
      result(
        { from, to },
        rows,
        baseline,
        `the calls the proxy route ${route.routeId} served since it was applied, priced at ${scope.model}, the model the callers asked for`,
      )
    );
  }

  private async days(sql: string, args: unknown[]): Promise<Tokens[]> {
    return (await this.pool.query<Tokens>(sql, args)).rows;
  }

  /** Each day's tokens priced on its day, as the call builds it; null when one cannot be priced. */
  private async price(view: RecommendationView, rows: Tokens[], call: (r: Tokens) => Omit<QuoteCall, 'at'>): Promise<Money[] | null> {
    if (rows.length === 0) return null;
    const quoted = await this.quotes.quote(
      trustedScope(view.organizationId),
      rows.map((r) => ({ ...call(r), at: `${r.day}T12:00:00.000Z` })),
      randomUUID(),
    );
    return quoted.some((q) => q.amount === null) ? null : quoted.map((q) => new Money(q.amount as string));
  }
}

const SUMS = `sum(calls)::float8 AS calls, sum(input_tokens)::float8 AS input_tokens, sum(cached_input_tokens)::float8 AS cached_input_tokens,
  sum(cache_write_tokens)::float8 AS cache_write_tokens, sum(output_tokens)::float8 AS output_tokens,
  sum(reasoning_tokens)::float8 AS reasoning_tokens, sum(cost)::text AS cost`;

function usageOf(r: Tokens) {
  return {
    inputTokens: r.input_tokens,
    cachedInputTokens: r.cached_input_tokens,
    cacheWriteTokens: r.cache_write_tokens,
    outputTokens: r.output_tokens,
    reasoningTokens: r.reasoning_tokens,
  };
}

function result(window: { from: string; to: string }, rows: Tokens[], baseline: Money[], method: string): RealizedSavings {
  const actual = rows.reduce((sum, r) => sum.plus(r.cost), new Money(0));
  const base = baseline.reduce((sum, q) => sum.plus(q), new Money(0));
  return { window, actual: usd(actual), baseline: usd(base), saved: usd(base.minus(actual)), method };
}
