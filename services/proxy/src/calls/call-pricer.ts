import type { Logger } from 'pino';
import { ingestionSubjects, type RequestContext, type UsageCounts } from '@llmlab/contracts';
import { CodedError } from '@llmlab/domain';
import type { RequestClient } from '@llmlab/api-keys';
import { fromUnits, toUnits } from '../budgets/budget-reservations';

/**
 * What a call costs at the price in force now, the organization's own prices first, asked of the ingestion service
 * (`ingestion.query.price-quotes`), which owns the catalog: an enforced budget's estimate and settlement, and what a
 * cached answer saves on each hit. In whole millionths, rounded up.
 */
export class CallPricer {
  constructor(
    private readonly client: RequestClient,
    private readonly logger: Logger,
  ) {}

  /** The amount in whole millionths, rounded up, or undefined when the model is unpriced or prices cannot be asked. */
  async price(
    call: { organizationId: string; provider: string; model: string },
    usage: UsageCounts,
    correlationId: string,
  ): Promise<string | undefined> {
    const quote = await this.quote(call, usage, correlationId);
    return quote?.status === 'priced' ? fromUnits(toUnits(quote.amount, 'up')) : undefined;
  }

  /** The exact amount at `at` (now by default), as a record of that call is priced; undefined when prices cannot be asked. */
  async quote(
    call: { organizationId: string; provider: string; model: string },
    usage: UsageCounts,
    correlationId: string,
    at = new Date(),
  ): Promise<{ status: 'priced'; amount: string } | { status: 'unpriced' } | undefined> {
    const context: RequestContext = { correlationId, organizationId: call.organizationId, actor: { type: 'system', id: 'proxy' } };
    try {
      const reply = await this.client.ask(
        ingestionSubjects.priceQuotes,
        { quotes: [{ provider: call.provider, model: call.model, at: at.toISOString(), usage }] },
        context,
      );
      if (!reply.ok) throw new CodedError(reply.error.code, reply.error.message);
      const quote = reply.data.quotes[0];
      return quote?.status === 'priced' && quote.amount !== null ? { status: 'priced', amount: quote.amount } : { status: 'unpriced' };
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, model: call.model }, 'a price quote failed');
      return undefined;
    }
  }
}
