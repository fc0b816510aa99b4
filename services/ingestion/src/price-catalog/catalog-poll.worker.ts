import type { Logger } from 'pino';
import type { BackgroundWorker } from '@llmlab/service-kit';
import type { PriceBook } from './price-book';

/** A refresh appended by another replica reaches this one within the poll interval (PRICING_POLL_INTERVAL_MS). */
export class CatalogPollWorker implements BackgroundWorker {
  readonly name = 'catalog poll';
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly priceBook: PriceBook,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  async start(): Promise<void> {
    this.timer = setInterval(() => void this.follow(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
  }

  private async follow(): Promise<void> {
    try {
      if (await this.priceBook.catalogChanged()) await this.priceBook.refreshCatalog();
    } catch (err) {
      this.logger.warn({ err }, 'could not check the price catalog for changes');
    }
  }
}
