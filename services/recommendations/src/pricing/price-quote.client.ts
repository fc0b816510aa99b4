import { Injectable } from '@nestjs/common';
import { ingestionSubjects, PRICE_QUOTE_LIMIT, type PriceQuotes, type RequestContext } from '@llmlab/contracts';
import type { OrganizationScope } from '@llmlab/domain';
import { ServiceRequests } from '../outbound/service-requests';
import type { QuoteCall } from '../recommenders/recommender';

/**
 * Prices calls that did not happen, asked of the ingestion service on its subject (`ingestion.query.price-quotes`):
 * the catalog and the organization's prices live there, and this service never reads another's schema.
 */
@Injectable()
export class PriceQuoteClient {
  constructor(private readonly requests: ServiceRequests) {}

  async quote(scope: OrganizationScope, calls: readonly QuoteCall[], correlationId: string): Promise<PriceQuotes['quotes']> {
    const context: RequestContext = {
      correlationId,
      organizationId: scope.organizationId,
      actor: { type: 'system', id: 'recommendations' },
    };
    const quotes: PriceQuotes['quotes'] = [];
    for (let i = 0; i < calls.length; i += PRICE_QUOTE_LIMIT) {
      const reply = await this.requests.ask(
        ingestionSubjects.priceQuotes,
        { quotes: calls.slice(i, i + PRICE_QUOTE_LIMIT) },
        context,
        'price quotes',
      );
      quotes.push(...reply.quotes);
    }
    return quotes;
  }
}
