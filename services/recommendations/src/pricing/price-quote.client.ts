import { Injectable } from '@nestjs/common';
import { ingestionSubjects, PRICE_QUOTE_LIMIT, type PriceQuotes, type RequestContext } from '@llmlab/contracts';
import type { OrganizationScope } from '@llmlab/domain';
import { ServiceRequests } from '../outbound/service-requests';
import type { QuoteCall } from '../recommenders/recommender';

type Quote = PriceQuotes['quotes'][number];

/** What a call whose counts no price quote takes is priced at: nothing known, as for a model without a price. */
const UNQUOTABLE: Quote = { status: 'unpriced', amount: null, priceEntryId: null };

/**
 * Prices calls that did not happen, asked of the ingestion service on its subject (`ingestion.query.price-quotes`):
 * the catalog and the organization's prices live there, and this service never reads another's schema.
 */
@Injectable()
export class PriceQuoteClient {
  constructor(private readonly requests: ServiceRequests) {}

  /**
   * The calls' quotes, in order. A quote takes counts up to 2^53 − 1 (those of one usage event); a day's sum can pass
   * that (token sums are NUMERIC), and such a call is answered unpriced here rather than failing the whole request:
   * what depends on it (a what-if's projection, a recommendation, a realized saving) reads as unknown.
   */
  async quote(scope: OrganizationScope, calls: readonly QuoteCall[], correlationId: string): Promise<PriceQuotes['quotes']> {
    const context: RequestContext = {
      correlationId,
      organizationId: scope.organizationId,
      actor: { type: 'system', id: 'recommendations' },
    };
    const fits = calls.map(countsFit);
    const quotable = calls.filter((_, i) => fits[i]);
    const answered: Quote[] = [];
    for (let i = 0; i < quotable.length; i += PRICE_QUOTE_LIMIT) {
      const reply = await this.requests.ask(
        ingestionSubjects.priceQuotes,
        { quotes: quotable.slice(i, i + PRICE_QUOTE_LIMIT) },
        context,
        'price quotes',
      );
      answered.push(...reply.quotes);
    }
    let next = 0;
    return fits.map((fit) => (fit ? answered[next++] : UNQUOTABLE));
  }
}

function countsFit(call: QuoteCall): boolean {
  return Object.values(call.usage).every((count) => count === undefined || Number.isSafeInteger(count));
}
