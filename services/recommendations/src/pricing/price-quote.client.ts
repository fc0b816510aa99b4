import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ingestionSubjects, PRICE_QUOTE_LIMIT, type PriceQuotes, type RequestContext } from '@llmlab/contracts';
import { CodedError, type OrganizationScope } from '@llmlab/domain';
import { createMessagingClient, natsSubject, type MessagingClient } from '@llmlab/messaging';
import { SERVICE_CONFIG, type DomainServiceConfig } from '@llmlab/service-kit';
import type { QuoteCall } from '../recommenders/recommender';

/**
 * Prices calls that did not happen, asked of the ingestion service on its subject (`ingestion.query.price-quotes`):
 * the catalog and the organization's prices live there, and this service never reads another's schema.
 */
@Injectable()
export class PriceQuoteClient implements OnApplicationShutdown {
  private readonly client: MessagingClient;
  private readonly subject: typeof ingestionSubjects.priceQuotes;

  constructor(@Inject(SERVICE_CONFIG) config: DomainServiceConfig) {
    // A client of its own: the request/reply side of a service is a server; asking another service needs a client.
    this.client = createMessagingClient({ servers: config.NATS_URL, name: 'llmlab-recommendations', defaultTimeoutMs: 15_000 });
    this.subject = { subject: natsSubject(ingestionSubjects.priceQuotes, config.NATS_PREFIX) } as typeof ingestionSubjects.priceQuotes;
  }

  async quote(scope: OrganizationScope, calls: readonly QuoteCall[], correlationId: string): Promise<PriceQuotes['quotes']> {
    const context: RequestContext = {
      correlationId,
      organizationId: scope.organizationId,
      actor: { type: 'system', id: 'recommendations' },
    };
    const quotes: PriceQuotes['quotes'] = [];
    for (let i = 0; i < calls.length; i += PRICE_QUOTE_LIMIT) {
      const reply = await this.client.request(this.subject, { quotes: calls.slice(i, i + PRICE_QUOTE_LIMIT) }, context);
      if (!reply.ok) throw new CodedError(reply.error.code, `price quotes: ${reply.error.message}`, reply.error.errors);
      quotes.push(...reply.data.quotes);
    }
    return quotes;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
