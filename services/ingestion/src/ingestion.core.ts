import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { RecordedEvent } from '@llmlab/contracts';
import { runConsumer, type ConsumerHandle } from '@llmlab/messaging';
import type { ServiceRuntime } from '@llmlab/service-kit';
import { ingestionConfig, type IngestionConfig } from './ingestion.config';
import { PriceBook } from './price-catalog/price-book';
import { PriceCatalogHandler, type PriceCatalogHandlerOptions } from './price-catalog/price-catalog.handler';
import { PriceOverrideHandler } from './price-overrides/price-override.handler';
import { IngestionProjection } from './read-models/ingestion.projection';
import { Repricer } from './repricing/repricer';
import { startUsageIngest } from './usage/usage-ingest.consumer';
import { UsageMaintenance } from './usage/usage-maintenance';
import { UsagePartitions } from './usage/usage-partitions';

const PROJECTION_CONSUMER = 'ingestion-projection';

/**
 * The ingestion service's moving parts outside NestJS: the price book and the command handlers the controllers
 * use, and, once the service listens, the ingest consumer, the projection, the repricer and the schedules.
 */
export class IngestionCore {
  readonly config: IngestionConfig;
  readonly priceBook: PriceBook;
  readonly catalog: PriceCatalogHandler;
  readonly overrides: PriceOverrideHandler;
  readonly partitions = new UsagePartitions();
  readonly projection: IngestionProjection;
  readonly repricer: Repricer;
  readonly maintenance: UsageMaintenance;

  constructor(
    private readonly runtime: ServiceRuntime,
    options: Pick<PriceCatalogHandlerOptions, 'loadProviders'> = {},
  ) {
    this.config = ingestionConfig(runtime);
    const { pool, eventStore, logger } = runtime;
    this.priceBook = new PriceBook(eventStore, { overridesTtlMs: this.config.OVERRIDES_CACHE_TTL_MS });
    this.catalog = new PriceCatalogHandler(eventStore, this.priceBook, { dataUrl: this.config.PRICING_DATA_URL, ...options });
    this.overrides = new PriceOverrideHandler(eventStore, this.priceBook);
    this.projection = new IngestionProjection(pool, this.partitions);
    this.repricer = new Repricer(pool, eventStore, this.priceBook, logger, this.config.REPRICE_INTERVAL_MS);
    this.maintenance = new UsageMaintenance(pool, this.partitions, logger, {
      dedupWindowDays: this.config.DEDUP_WINDOW_DAYS,
      monthsAhead: this.config.PARTITION_MONTHS_AHEAD,
      intervalMs: this.config.MAINTENANCE_INTERVAL_MS,
    });
  }

  /** Started after the service listens; every part registers with the runtime, which stops them in reverse. */
  async start(): Promise<void> {
    const { runtime, config } = this;
    const topology = runtime.topology;
    if (!topology) throw new Error('the JetStream topology is not known yet: start the ingestion core after the service kit');
    const js = jetstream(runtime.nats);

    await this.catalog.seedIfEmpty({ actor: { type: 'system', id: 'ingestion' }, correlationId: randomUUID() });
    await this.maintenance.runOnce();
    this.maintenance.start();
    runtime.onShutdown({ name: 'usage maintenance', stop: () => this.maintenance.stop() });

    const poll = setInterval(() => void this.followCatalog(), config.PRICING_POLL_INTERVAL_MS);
    poll.unref();
    runtime.onShutdown({ name: 'catalog poll', stop: async () => clearInterval(poll) });

    const projection: ConsumerHandle = await runConsumer({
      js,
      stream: topology.events.name,
      durable: PROJECTION_CONSUMER,
      filterSubject: topology.subject('events.ingestion.>'),
      concurrency: 1,
      maxAckPending: 1,
      maxDeliver: 20,
      backoffMs: [500, 2_000, 10_000],
      ackWaitMs: config.CONSUMER_ACK_WAIT_MS,
      deadLetterSubject: topology.subject(`dlq.${PROJECTION_CONSUMER}`),
      handler: async (msg) => {
        await this.projection.apply(msg.json<RecordedEvent>());
      },
    });
    runtime.onShutdown({ name: 'usage projection', stop: () => projection.stop() });

    this.repricer.start();
    runtime.onShutdown({ name: 'repricer', stop: () => this.repricer.stop() });

    const ingest = await startUsageIngest({
      js,
      topology,
      store: runtime.eventStore,
      priceBook: this.priceBook,
      concurrency: config.INGEST_CONCURRENCY,
      maxDeliver: config.INGEST_MAX_DELIVER,
      ackWaitMs: config.CONSUMER_ACK_WAIT_MS,
    });
    runtime.onShutdown({ name: 'usage ingest', stop: () => ingest.stop() });
  }

  /** A refresh appended by another replica reaches this one within the poll interval. */
  private async followCatalog(): Promise<void> {
    try {
      if (await this.priceBook.catalogChanged()) await this.priceBook.refreshCatalog();
    } catch (err) {
      this.runtime.logger.warn({ err }, 'could not check the price catalog for changes');
    }
  }
}
