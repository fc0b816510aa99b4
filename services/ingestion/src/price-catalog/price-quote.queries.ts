import { Injectable } from '@nestjs/common';
import {
  PRICE_QUOTE_LIMIT,
  validateUsageCounts,
  type FieldError,
  type PriceQuoteRequest,
  type PriceQuotes,
  type PricesInForce,
  type PricesInForceRequest,
  type UsageCounts,
} from '@llmlab/contracts';
import type { OrganizationScope } from '@llmlab/domain';
import { validationFailed } from '../ingestion.errors';
import { normalizeProvider, resolvePriceSpan } from '@llmlab/pricing';
import { priceUsage } from '../usage/record-pricing';
import { PriceBook } from './price-book';

/**
 * Prices calls that did not happen, for the recommendations service's savings and what-if: each at the price in force
 * at its instant, the organization's prices first, exactly as `priceUsage` prices a recorded call. And the prices
 * themselves, with how long each stays in force, for a caller that prices many calls itself (the proxy).
 */
@Injectable()
export class PriceQuoteQueries {
  constructor(private readonly priceBook: PriceBook) {}

  async quote(scope: OrganizationScope, request: PriceQuoteRequest): Promise<PriceQuotes> {
    const calls = validQuotes(request);
    const pricing = await this.priceBook.snapshot(scope);
    return {
      quotes: calls.map((call) => {
        const cost = priceUsage({ ...call, provider: normalizeProvider(call.provider), timestamp: call.at }, pricing);
        return { status: cost.status === 'priced' ? 'priced' : 'unpriced', amount: cost.amount, priceEntryId: cost.priceEntryId };
      }),
    };
  }

  async pricesInForce(scope: OrganizationScope, request: PricesInForceRequest): Promise<PricesInForce> {
    const asked = validPriceQueries(request);
    const pricing = await this.priceBook.snapshot(scope);
    const instant = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
    return {
      prices: asked.map((query) => {
        const span = resolvePriceSpan(pricing.catalog, {
          provider: normalizeProvider(query.provider),
          model: query.model,
          at: new Date(query.at),
          organizationOverrides: pricing.overrides,
        });
        return {
          price: span.price?.entry ?? null,
          origin: span.price?.origin ?? null,
          validFrom: instant(span.from),
          validUntil: instant(span.until),
        };
      }),
    };
  }
}

function validPriceQueries(request: PricesInForceRequest): { provider: string; model: string; at: string }[] {
  const prices: unknown = request?.prices;
  if (!Array.isArray(prices) || prices.length > PRICE_QUOTE_LIMIT) {
    throw validationFailed([{ field: '/prices', message: `must be a list of at most ${PRICE_QUOTE_LIMIT} calls` }]);
  }
  const errors: FieldError[] = [];
  prices.forEach((raw: Record<string, unknown>, i) => errors.push(...callErrors(raw, `/prices/${i}`)));
  if (errors.length > 0) throw validationFailed(errors.slice(0, 20));
  return prices as { provider: string; model: string; at: string }[];
}

function callErrors(raw: Record<string, unknown>, at: string): FieldError[] {
  const errors: FieldError[] = [];
  for (const field of ['provider', 'model'] as const) {
    if (typeof raw?.[field] !== 'string' || raw[field] === '')
      errors.push({ field: `${at}/${field}`, message: 'must be a non-empty string' });
  }
  if (typeof raw?.at !== 'string' || Number.isNaN(Date.parse(raw.at)))
    errors.push({ field: `${at}/at`, message: 'must be an RFC 3339 instant' });
  return errors;
}

function validQuotes(request: PriceQuoteRequest): { provider: string; model: string; at: string; usage: UsageCounts }[] {
  const quotes: unknown = request?.quotes;
  if (!Array.isArray(quotes) || quotes.length > PRICE_QUOTE_LIMIT) {
    throw validationFailed([{ field: '/quotes', message: `must be a list of at most ${PRICE_QUOTE_LIMIT} calls` }]);
  }
  const errors: FieldError[] = [];
  const valid = quotes.map((raw: Record<string, unknown>, i) => {
    const at = `/quotes/${i}`;
    errors.push(...callErrors(raw, at));
    const usage = validateUsageCounts(raw?.usage, at);
    if (!usage.ok) errors.push(...usage.errors);
    return {
      provider: raw?.provider as string,
      model: raw?.model as string,
      at: raw?.at as string,
      usage: usage.ok ? usage.usage : undefined,
    };
  });
  if (errors.length > 0) throw validationFailed(errors.slice(0, 20));
  return valid as { provider: string; model: string; at: string; usage: UsageCounts }[];
}
