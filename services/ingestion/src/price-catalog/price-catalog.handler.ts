import {
  ingestionStreams,
  type EventMetadata,
  type RefreshPricingRequest,
  type RefreshPricingResult,
  IngestionErrorCode,
} from '@llmlab/contracts';
import type { CommandRunner } from '@llmlab/service-kit';
import type { Provider } from '@pydantic/genai-prices';
import { v7 as uuidv7 } from 'uuid';
import { derivedEventId } from '../derived-event-id';
import { IngestionError } from '../ingestion.errors';
import { GENAI_PRICES_ATTRIBUTION, loadGenaiPricesProviders, PricingError, seedFromGenaiPrices } from '@llmlab/pricing';
import { catalogContentHash } from './catalog-content-hash';
import type { PriceBook } from './price-book';
import { catalogPartCount, priceCatalogDecider } from './price-catalog.decider';

type PriceDataSource = NonNullable<RefreshPricingRequest['source']>;

/**
 * Refreshes the price catalog from the genai-prices data: the snapshot bundled with the installed package, or
 * the latest one it publishes (fetched from `dataUrl`, PRICING_DATA_URL). Appends one `PriceCatalogRefreshed` (in
 * parts) when the data differs from the stored catalog, nothing when it does not; replicas refreshing at once are
 * serialized by the stream revision (the command runner decides again on the stream another one just appended to).
 */
export class PriceCatalogHandler {
  constructor(
    private readonly runner: CommandRunner,
    private readonly priceBook: PriceBook,
    private readonly dataUrl: string,
  ) {}

  async refresh(request: RefreshPricingRequest, metadata: EventMetadata): Promise<RefreshPricingResult> {
    const source = request.source ?? 'bundled';
    const seed = await this.seed(source);
    const refreshId = uuidv7();
    const { state, events } = await this.runner.run(
      ingestionStreams.priceCatalog,
      priceCatalogDecider,
      {
        type: 'RefreshPriceCatalog',
        refreshId,
        at: new Date(),
        source: source === 'remote' ? { kind: 'remote', url: this.dataUrl } : { kind: 'bundled' },
        attribution: GENAI_PRICES_ATTRIBUTION,
        entries: seed.entries,
        providerFallbacks: seed.providerFallbacks,
        contentHash: catalogContentHash(seed.entries, seed.providerFallbacks),
        eventIds: Array.from({ length: catalogPartCount(seed.entries.length) }, (_, part) =>
          derivedEventId(refreshId, 'PriceCatalogRefreshed', part),
        ),
      },
      { metadata },
    );
    if (events.length === 0) {
      return { refreshId: null, contentHash: state.contentHash ?? '', opened: 0, closed: 0, withdrawn: 0, entries: state.entries.size };
    }
    // This replica prices with the new catalog at once; the others notice it within their poll interval.
    await this.priceBook.refreshCatalog();
    const data = events.map((e) => e.data);
    return {
      refreshId,
      contentHash: data[0].contentHash,
      opened: data.reduce((n, d) => n + d.opened.length, 0),
      closed: data.reduce((n, d) => n + d.closed.length, 0),
      withdrawn: data.reduce((n, d) => n + d.withdrawn.length, 0),
      entries: state.entries.size,
    };
  }

  /**
   * The first start seeds the catalog from the bundled data; later starts leave it alone, so restarting an older
   * release never undoes a newer remote refresh (after upgrading the package, run `npm run pricing:refresh`).
   */
  async seedIfEmpty(metadata: EventMetadata): Promise<void> {
    await this.priceBook.refreshCatalog();
    // A replica seeding at the same time makes the append conflict; deciding again then finds the same data stored.
    if (this.priceBook.catalogRevision < 0) await this.refresh({ source: 'bundled' }, metadata);
  }

  private async seed(source: PriceDataSource) {
    const providers = await this.loadProviders(source);
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
      response = await fetch(this.dataUrl, { signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      throw new IngestionError(
        IngestionErrorCode.PricingSourceUnavailable,
        `could not fetch ${this.dataUrl}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    if (!response.ok) {
      throw new IngestionError(IngestionErrorCode.PricingSourceUnavailable, `${this.dataUrl} answered ${response.status}`);
    }
    const data: unknown = await response.json().catch(() => undefined);
    if (!Array.isArray(data)) {
      throw new IngestionError(IngestionErrorCode.PricingSourceUnavailable, `${this.dataUrl} is not a genai-prices provider list`);
    }
    return data as Provider[];
  }
}
