import type { Logger } from 'pino';
import { ingestionSubjects, PRICE_QUOTE_LIMIT, type PriceEntryData, type RequestContext, type UsageCounts } from '@llmlab/contracts';
import { CodedError } from '@llmlab/domain';
import { computeCost, normalizeProvider, type PriceEntry } from '@llmlab/pricing';
import type { RequestClient } from '@llmlab/api-keys';
import { fromUnits, toUnits } from '../budgets/budget-reservations';

export type CallQuote = { status: 'priced'; amount: string } | { status: 'unpriced' };

export interface CallPricerOptions {
  /** How long a price asked of the ingestion service is used (within the span it is in force). */
  cacheMs: number;
  /** Prices kept, the least recently asked dropped first. */
  maxCached?: number;
  now?: () => number;
}

/** A price in force for one model of one organization, and over which instants. `price` null: nothing prices it. */
interface KeptPrice {
  price: PriceEntryData | null;
  from: number;
  until: number;
  askedAt: number;
}

interface Pending {
  key: string;
  call: { provider: string; model: string; at: string };
  correlationId: string;
  resolve: (price: KeptPrice | undefined) => void;
}

/**
 * What a call costs, the organization's own prices first, exactly as the ingestion service prices the call's record:
 * the same price (asked of the ingestion service, which owns the catalog: `ingestion.query.prices-in-force`) and the
 * same `computeCost`. Used for the cost in a whole answer's headers, an enforced budget's estimate and settlement, and
 * what a cached answer saves on each hit.
 *
 * A price is kept per organization, provider and model for `cacheMs`, and only for the instants it is in force (the
 * span the answer gives: a price that changes at midnight, or a daily off-peak window, is asked again then), so a
 * call costs no request at all in the common case. A price set meanwhile applies here once the kept one is older than
 * `cacheMs`; the call's record is priced by the ingestion service regardless (and repriced when prices change).
 * Prices asked for while one of the organization's requests is under way go together in the next request.
 */
export class CallPricer {
  private readonly kept = new Map<string, KeptPrice>();
  private readonly queues = new Map<string, Pending[]>();
  private readonly now: () => number;
  private readonly maxCached: number;

  constructor(
    private readonly client: RequestClient,
    private readonly logger: Logger,
    private readonly options: CallPricerOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.maxCached = options.maxCached ?? 10_000;
  }

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
  ): Promise<CallQuote | undefined> {
    const kept = await this.priceAt(call, at.getTime(), correlationId);
    if (!kept) return undefined;
    if (!kept.price) return { status: 'unpriced' };
    try {
      return { status: 'priced', amount: computeCost(usage, kept.price as PriceEntry).amount };
    } catch (err) {
      // Usage the ingestion service would refuse too (the record then says so): no amount to give.
      this.logger.warn({ err: (err as Error).message }, 'the usage of a call cannot be priced');
      return undefined;
    }
  }

  private priceAt(
    call: { organizationId: string; provider: string; model: string },
    at: number,
    correlationId: string,
  ): Promise<KeptPrice | undefined> {
    const provider = normalizeProvider(call.provider);
    const key = `${call.organizationId}\u0000${provider}\u0000${call.model}`;
    const kept = this.kept.get(key);
    if (kept && at >= kept.from && at < kept.until && this.now() - kept.askedAt < this.options.cacheMs) return Promise.resolve(kept);
    return new Promise((resolve) => {
      const pending: Pending = {
        key,
        call: { provider, model: call.model, at: new Date(at).toISOString() },
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

  /** Asks for the queue's prices, a request at a time, until no question waits; the first is under way already. */
  private async send(organizationId: string, queue: Pending[]): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, PRICE_QUOTE_LIMIT);
      const answers = await this.ask(organizationId, batch);
      batch.forEach((pending, i) => {
        const answer = answers?.[i];
        if (answer) this.keep(pending.key, answer);
        pending.resolve(answer);
      });
    }
    this.queues.delete(organizationId);
  }

  private keep(key: string, price: KeptPrice): void {
    // Re-inserted so that the map's order is least recently asked first, which is what is dropped.
    this.kept.delete(key);
    this.kept.set(key, price);
    if (this.kept.size > this.maxCached) this.kept.delete(this.kept.keys().next().value as string);
  }

  private async ask(organizationId: string, batch: Pending[]): Promise<KeptPrice[] | undefined> {
    const context: RequestContext = { correlationId: batch[0].correlationId, organizationId, actor: { type: 'system', id: 'proxy' } };
    try {
      const askedAt = this.now();
      const reply = await this.client.ask(ingestionSubjects.pricesInForce, { prices: batch.map((p) => p.call) }, context);
      if (!reply.ok) throw new CodedError(reply.error.code, reply.error.message);
      return reply.data.prices.map((p) => ({
        price: p.price,
        from: p.validFrom === null ? -Infinity : Date.parse(p.validFrom),
        until: p.validUntil === null ? Infinity : Date.parse(p.validUntil),
        askedAt,
      }));
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, calls: batch.length }, 'prices could not be asked');
      return undefined;
    }
  }
}
