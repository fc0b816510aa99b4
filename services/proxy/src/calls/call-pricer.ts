import type { Logger } from 'pino';
import { ingestionSubjects, PRICE_QUOTE_LIMIT, type RequestContext, type UsageCounts } from '@llmlab/contracts';
import { CodedError } from '@llmlab/domain';
import type { RequestClient } from '@llmlab/api-keys';
import { fromUnits, toUnits } from '../budgets/budget-reservations';

export type CallQuote = { status: 'priced'; amount: string } | { status: 'unpriced' };

interface Pending {
  call: { provider: string; model: string; at: string; usage: UsageCounts };
  correlationId: string;
  resolve: (quote: CallQuote | undefined) => void;
}

/**
 * What a call costs, the organization's own prices first, asked of the ingestion service
 * (`ingestion.query.price-quotes`), which owns the catalog: the cost in a whole answer's headers, an enforced
 * budget's estimate and settlement, and what a cached answer saves on each hit. An organization's questions that
 * arrive while one of its requests is under way go together in the next request (as many as one request takes), so
 * concurrent calls cost one round trip, and a lone call waits for nothing.
 */
export class CallPricer {
  private readonly queues = new Map<string, Pending[]>();

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
  quote(
    call: { organizationId: string; provider: string; model: string },
    usage: UsageCounts,
    correlationId: string,
    at = new Date(),
  ): Promise<CallQuote | undefined> {
    return new Promise((resolve) => {
      const pending: Pending = {
        call: { provider: call.provider, model: call.model, at: at.toISOString(), usage },
        correlationId,
        resolve,
      };
      const queue = this.queues.get(call.organizationId);
      if (queue) return queue.push(pending);
      const started: Pending[] = [pending];
      this.queues.set(call.organizationId, started);
      void this.send(call.organizationId, started);
    });
  }

  /** Asks for the queue's quotes, a request at a time, until no question waits; the first is under way already. */
  private async send(organizationId: string, queue: Pending[]): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, PRICE_QUOTE_LIMIT);
      const quotes = await this.ask(organizationId, batch);
      batch.forEach((pending, i) => pending.resolve(quotes?.[i]));
    }
    this.queues.delete(organizationId);
  }

  private async ask(organizationId: string, batch: Pending[]): Promise<CallQuote[] | undefined> {
    const context: RequestContext = { correlationId: batch[0].correlationId, organizationId, actor: { type: 'system', id: 'proxy' } };
    try {
      const reply = await this.client.ask(ingestionSubjects.priceQuotes, { quotes: batch.map((p) => p.call) }, context);
      if (!reply.ok) throw new CodedError(reply.error.code, reply.error.message);
      return reply.data.quotes.map((q) =>
        q.status === 'priced' && q.amount !== null ? { status: 'priced', amount: q.amount } : { status: 'unpriced' },
      );
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, calls: batch.length }, 'price quotes failed');
      return undefined;
    }
  }
}
