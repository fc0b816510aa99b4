import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  RecommendationErrorCode,
  type MoneyAmount,
  type RequestContext,
  type WhatIfRequest,
  type WhatIfResult,
  type WhatIfRow,
} from '@llmlab/contracts';
import { FieldErrors, Money, organizationScope, toMoneyString } from '@llmlab/domain';
import { PG_POOL } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import { batchDiscount } from '@llmlab/pricing';
import { PriceQuoteClient } from '../pricing/price-quote.client';
import type { QuoteCall } from '../recommenders/recommender';
import { RecommendationError } from '../recommendations/recommendation.errors';

const DAY = /^\d{4}-\d{2}-\d{2}/;
const MAX_DAYS = 93;
const MAX_SUBSTITUTIONS = 50;

interface DayRow {
  provider: string;
  model: string;
  feature: string;
  day: string;
  calls: number;
  unpriced: number;
  input_tokens: number;
  cached_input_tokens: number;
  cache_write_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  cost: string;
}

type Change = { quote: QuoteCall | null; discount: string | null; use: { provider: string; model: string } | null };

const usd = (amount: Money): MoneyAmount => ({ amount: toMoneyString(amount), currency: 'USD' });

/**
 * What-if: the period's traffic (the service's own daily traffic model) as recorded, and priced under changes:
 * substituted models, prompt caching, batch APIs. Changed days are priced exactly by the ingestion service at the
 * price in force on each day (`ingestion.query.price-quotes`); unchanged days keep their recorded cost.
 */
@Injectable()
export class WhatIfQueries {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly quotes: PriceQuoteClient,
  ) {}

  async whatIf(context: RequestContext, request: WhatIfRequest): Promise<WhatIfResult> {
    const { from, to } = checked(request);
    const scope = organizationScope(context);
    const args: unknown[] = [scope.organizationId, from, to];
    const project = context.projectId ? ` AND project_id = $${args.push(context.projectId)}` : '';
    const { rows } = await this.pool.query<DayRow>(
      `SELECT provider, model, feature, day::text AS day, sum(calls)::float8 AS calls, sum(unpriced)::float8 AS unpriced,
         sum(input_tokens)::float8 AS input_tokens, sum(cached_input_tokens)::float8 AS cached_input_tokens,
         sum(cache_write_tokens)::float8 AS cache_write_tokens, sum(output_tokens)::float8 AS output_tokens,
         sum(reasoning_tokens)::float8 AS reasoning_tokens, sum(cost)::text AS cost
       FROM recommendations.traffic_daily WHERE organization_id = $1 AND day >= $2::date AND day < $3::date${project}
       GROUP BY provider, model, feature, day ORDER BY provider, model, feature, day`,
      args,
    );
    const changes = rows.map((row) => change(row, request));
    const calls = changes.flatMap((c) => (c.quote ? [c.quote] : []));
    const quoted = calls.length > 0 ? await this.quotes.quote(scope, calls, context.correlationId ?? randomUUID()) : [];
    let next = 0;
    const byRow = new Map<string, WhatIfRow & { projectedSum: Money | null; actualSum: Money }>();
    rows.forEach((row, i) => {
      const c = changes[i];
      let projected: Money | null = new Money(row.cost);
      if (c.quote) {
        const q = quoted[next++];
        projected = q.amount === null ? null : new Money(q.amount);
      }
      if (projected !== null && c.discount !== null) projected = projected.times(new Money(1).minus(c.discount));
      const key = `${row.provider}\u0000${row.model}\u0000${row.feature}`;
      const entry = byRow.get(key) ?? {
        provider: row.provider,
        model: row.model,
        feature: row.feature,
        calls: 0,
        unpricedCalls: 0,
        use: c.use,
        actual: usd(new Money(0)),
        projected: null,
        actualSum: new Money(0),
        projectedSum: new Money(0),
      };
      entry.calls += row.calls;
      entry.unpricedCalls += row.unpriced;
      entry.actualSum = entry.actualSum.plus(row.cost);
      entry.projectedSum = entry.projectedSum === null || projected === null ? null : entry.projectedSum.plus(projected);
      byRow.set(key, entry);
    });
    const result: WhatIfRow[] = [...byRow.values()].map(({ actualSum, projectedSum, ...row }) => ({
      ...row,
      actual: usd(actualSum),
      projected: projectedSum === null ? null : usd(projectedSum),
    }));
    const actual = result.reduce((sum, r) => sum.plus(r.actual.amount), new Money(0));
    const projected = result.some((r) => r.projected === null)
      ? null
      : result.reduce((sum, r) => sum.plus(r.projected!.amount), new Money(0));
    return {
      from,
      to,
      actual: usd(actual),
      projected: projected === null ? null : usd(projected),
      difference: projected === null ? null : usd(actual.minus(projected)),
      rows: result,
    };
  }
}

/** The day's traffic as it would be: another model, more cache reads, the batch discount; nothing when none applies. */
function change(row: DayRow, request: WhatIfRequest): Change {
  const substitution = request.substitutions?.find(
    (s) =>
      s.match.provider === row.provider &&
      s.match.model === row.model &&
      (s.match.feature === undefined || s.match.feature === row.feature),
  );
  const target = substitution?.use ?? { provider: row.provider, model: row.model };
  const cachedShare = request.promptCaching?.cachedShare;
  const cached =
    cachedShare === undefined ? row.cached_input_tokens : Math.max(row.cached_input_tokens, Math.floor(cachedShare * row.input_tokens));
  const caching = cached !== row.cached_input_tokens && cached + row.cache_write_tokens <= row.input_tokens;
  const batched = request.batch !== undefined && (request.batch.features === undefined || request.batch.features.includes(row.feature));
  const discount = batched ? (batchDiscount(target.provider)?.discount ?? null) : null;
  if (!substitution && !caching) return { quote: null, discount, use: null };
  return {
    quote: {
      ...target,
      at: `${row.day}T12:00:00.000Z`,
      usage: {
        inputTokens: row.input_tokens,
        cachedInputTokens: caching ? cached : row.cached_input_tokens,
        cacheWriteTokens: row.cache_write_tokens,
        outputTokens: row.output_tokens,
        reasoningTokens: row.reasoning_tokens,
      },
    },
    discount,
    use: substitution ? substitution.use : null,
  };
}

function checked(request: WhatIfRequest): { from: string; to: string } {
  const errors = new FieldErrors();
  const day = (field: 'from' | 'to') => {
    const value = request[field];
    if (typeof value !== 'string' || !DAY.test(value) || Number.isNaN(Date.parse(value))) {
      errors.add(`/${field}`, 'must be a date (YYYY-MM-DD) or an RFC 3339 instant');
      return '';
    }
    return new Date(value).toISOString().slice(0, 10);
  };
  const [from, to] = [day('from'), day('to')];
  if (from && to && (to <= from || (Date.parse(to) - Date.parse(from)) / 86_400_000 > MAX_DAYS)) {
    errors.add('/to', `must be after from, at most ${MAX_DAYS} days later`);
  }
  const substitutions = request.substitutions ?? [];
  if (!Array.isArray(substitutions) || substitutions.length > MAX_SUBSTITUTIONS) {
    errors.add('/substitutions', `must be a list of at most ${MAX_SUBSTITUTIONS}`);
  } else {
    substitutions.forEach((s, i) => {
      for (const [part, fields] of [
        ['match', ['provider', 'model']],
        ['use', ['provider', 'model']],
      ] as const) {
        for (const field of fields) {
          const value = (s as unknown as Record<string, Record<string, unknown> | undefined>)?.[part]?.[field];
          if (typeof value !== 'string' || value === '') errors.add(`/substitutions/${i}/${part}/${field}`, 'must be a non-empty string');
        }
      }
    });
  }
  const share = request.promptCaching?.cachedShare;
  if (request.promptCaching !== undefined && (typeof share !== 'number' || !(share >= 0 && share <= 1))) {
    errors.add('/promptCaching/cachedShare', 'must be a number from 0 to 1');
  }
  if (request.batch?.features !== undefined && !Array.isArray(request.batch.features))
    errors.add('/batch/features', 'must be a list of features');
  if (!errors.empty) throw new RecommendationError(RecommendationErrorCode.Invalid, 'invalid what-if', errors.errors);
  return { from, to };
}
