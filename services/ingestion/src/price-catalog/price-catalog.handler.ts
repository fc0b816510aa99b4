import {
  ingestionStreams,
  type EventMetadata,
  type RefreshPricingRequest,
  type RefreshPricingResult,
  IngestionErrorCode,
} from '@llmlab/contracts';
import { WrongExpectedRevisionError, type EventStore } from '@llmlab/event-store';
import type { Provider } from '@pydantic/genai-prices';
import { v7 as uuidv7 } from 'uuid';
import { IngestionError } from '../ingestion.errors';
import { GENAI_PRICES_ATTRIBUTION, loadGenaiPricesProviders, PricingError, seedFromGenaiPrices } from '../pricing';
import type { PriceBook } from './price-book';
import { decideCatalogRefresh } from './price-catalog.decider';

export type PriceDataSource = NonNullable<RefreshPricingRequest['source']>;

export interface PriceCatalogHandlerOptions {
  /** Where `remote` data comes from (`PRICING_DATA_URL`). */
  dataUrl: string;
  /** The dataset of a source; tests pass their own. */
  loadProviders?: (source: PriceDataSource) => Promise<readonly Provider[]>;
}

const ATTEMPTS = 3;

/**
 * Refreshes the price catalog from the genai-prices data: the snapshot bundled with the installed package, or
 * the latest one it publishes. Appends one `PriceCatalogRefreshed` (in parts) when the data differs from the
 * stored catalog, nothing when it does not; replicas refreshing at once are serialized by the stream revision.
 */
export class PriceCatalogHandler {
  constructor(
    private readonly store: EventStore,
    private readonly priceBook: PriceBook,
    private readonly options: PriceCatalogHandlerOptions,
  ) {}

  async refresh(request: RefreshPricingRequest, metadata: EventMetadata, at = new Date()): Promise<RefreshPricingResult> {
    const source = request.source ?? 'bundled';
    const seed = await this.seed(source);
    const refreshId = uuidv7();
    for (let attempt = 1; ; attempt++) {
      await this.priceBook.refreshCatalog();
      const state = this.priceBook.state();
      const events = decideCatalogRefresh(
        {
          type: 'RefreshPriceCatalog',
          refreshId,
          at,
          source: source === 'remote' ? { kind: 'remote', url: this.options.dataUrl } : { kind: 'bundled' },
          attribution: GENAI_PRICES_ATTRIBUTION,
          entries: seed.entries,
          providerFallbacks: seed.providerFallbacks,
        },
        state,
      );
      if (events.length === 0) {
        return { refreshId: null, contentHash: state.contentHash ?? '', opened: 0, closed: 0, withdrawn: 0, entries: state.entries.size };
      }
      try {
        await this.store.appendToStream(
          ingestionStreams.priceCatalog,
          events.map((e) => ({ ...e, metadata })),
          { expectedRevision: state.revision < 0 ? 'no_stream' : state.revision },
        );
      } catch (err) {
        if (err instanceof WrongExpectedRevisionError && attempt < ATTEMPTS) continue;
        throw err;
      }
      await this.priceBook.refreshCatalog();
      const data = events.map((e) => e.data);
      return {
        refreshId,
        contentHash: data[0].contentHash,
        opened: data.reduce((n, d) => n + d.opened.length, 0),
        closed: data.reduce((n, d) => n + d.closed.length, 0),
        withdrawn: data.reduce((n, d) => n + d.withdrawn.length, 0),
        entries: this.priceBook.state().entries.size,
      };
    }
  }

  /**
   * The first start seeds the catalog from the bundled data; later starts leave it alone, so restarting an older
   * release never undoes a newer remote refresh (after upgrading the package, run `npm run pricing:refresh`).
   */
  async seedIfEmpty(metadata: EventMetadata): Promise<void> {
    await this.priceBook.refreshCatalog();
    // A replica seeding at the same time makes the append conflict; the retry then finds the same data stored.
    if (this.priceBook.catalogRevision < 0) await this.refresh({ source: 'bundled' }, metadata);
  }

  private async seed(source: PriceDataSource) {
    const providers = await (this.options.loadProviders ?? ((s) => this.loadProviders(s)))(source);
    try {
      return seedFromGenaiPrices(providers);
    } catch (err) {
      if (!(err instanceof PricingError)) throw err;
      throw new IngestionError(IngestionErrorCode.PricingSourceUnavailable, `the ${source} price data is not usable: ${err.message}`);
    }
  }

  private async loadProviders(source: PriceDataSource): Promise<readonly Provider[]> {
    if (source === 'bundled') return loadGenaiPricesProviders();
    let response: Response;
    try {
      response = await fetch(this.options.dataUrl, { signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      throw new IngestionError(
        IngestionErrorCode.PricingSourceUnavailable,
        `could not fetch ${this.options.dataUrl}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    if (!response.ok) {
      throw new IngestionError(IngestionErrorCode.PricingSourceUnavailable, `${this.options.dataUrl} answered ${response.status}`);
    }
    const data: unknown = await response.json().catch(() => undefined);
    if (!Array.isArray(data)) {
      throw new IngestionError(IngestionErrorCode.PricingSourceUnavailable, `${this.options.dataUrl} is not a genai-prices provider list`);
    }
    return data as Provider[];
  }
}
