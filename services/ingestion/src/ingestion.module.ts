import { Module, type Type } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { EventStore } from '@llmlab/event-store';
import { MasterKeyRing, SubjectKeyStore } from '@llmlab/crypto';
import {
  BACKGROUND_WORKERS,
  CommandRunner,
  EVENT_STORE,
  LOGGER,
  masterKeyProvider,
  PG_POOL,
  SERVICE_CONFIG,
  type BackgroundWorker,
} from '@llmlab/service-kit';
import { CostController } from './costs/cost.controller';
import { EndUserController } from './end-users/end-user.controller';
import { EndUserErasure } from './end-users/end-user.erasure';
import { EndUserPseudonyms } from './end-users/end-user-pseudonyms';
import { UsageLedgerKeys } from './usage/usage-ledger-keys';
import { UsageLedgerKeysController } from './usage/usage-ledger-keys.controller';
import { CostQueries } from './costs/cost.queries';
import { CostRepository } from './costs/cost.repository';
import { RecordedSpendQueries } from './costs/recorded-spend.queries';
import { RecordedSpendRepository } from './costs/recorded-spend.repository';
import { UsageRecordRepository } from './costs/usage-record.repository';
import { UsageExporter } from './costs/usage-export';
import { UsageRecordsServer } from './costs/usage-records.server';
import type { IngestionConfig } from './ingestion.config';
import { CatalogPollWorker } from './price-catalog/catalog-poll.worker';
import { CatalogSeedWorker } from './price-catalog/catalog-seed.worker';
import { PriceBook } from './price-catalog/price-book';
import { PriceCatalogHandler } from './price-catalog/price-catalog.handler';
import { PricingController } from './price-catalog/pricing.controller';
import { PricingModelsQueries } from './price-catalog/pricing-models.queries';
import { PriceOverrideHandler } from './price-overrides/price-override.handler';
import { PriceOverrideQueries } from './price-overrides/price-override.queries';
import { PriceQuoteQueries } from './price-catalog/price-quote.queries';
import { IngestionProjection } from './read-models/ingestion.projection';
import { ReadModelsModule } from './read-models/read-models.module';
import { ReadModelsWorker } from './read-models/read-models.worker';
import { UsageProjectionRepository } from './read-models/usage-projection.repository';
import { Repricer } from './repricing/repricer';
import { CONTENT_KEYS, SpanContentStore } from './traces/span-content.store';
import { SpanContentErasure } from './traces/span-content.erasure';
import { SpanContentSink } from './traces/span-content.sink';
import { SpanRecordingHandler } from './traces/span-recording.handler';
import { SpansIngestConsumer } from './traces/spans-ingest.consumer';
import { TraceController } from './traces/trace.controller';
import { TraceDetectorRegistry } from './traces/detectors/trace-detector.registry';
import { TraceEvaluationWorker } from './traces/trace-evaluation.worker';
import { TraceProjectionRepository } from './traces/trace-projection.repository';
import { TraceQueries } from './traces/trace.queries';
import { TraceQueryRepository } from './traces/trace-query.repository';
import { TraceSettingsCache } from './trace-settings/trace-settings.cache';
import { TraceSettingsController } from './trace-settings/trace-settings.controller';
import { TraceSettingsHandler } from './trace-settings/trace-settings.handler';
import { detectorThresholds } from './traces/detectors/detector-thresholds';
import { UsageIngestConsumer } from './usage/usage-ingest.consumer';
import { UsageMaintenance } from './usage/usage-maintenance';
import { UsageRetentionJob } from './usage/usage-retention.job';
import { UsageAggregates } from './usage/usage-aggregates';
import { UsagePartitions } from './usage/usage-partitions';
import { UsageRecordingHandler } from './usage/usage-recording.handler';
import { UsageImportController } from './usage-imports/usage-import.controller';
import { UsageImportHandler } from './usage-imports/usage-import.handler';
import { UsageImportObjects } from './usage-imports/usage-import.objects';
import { UsageImportRepository } from './usage-imports/usage-import.repository';
import { UsageImportWorker } from './usage-imports/usage-import.worker';
import { UsageImporter } from './usage-imports/usage-importer';
import { UsageRetentionController } from './usage-retention/usage-retention.controller';
import { UsageRetentionHandler } from './usage-retention/usage-retention.handler';
import { UsageRetentionRepository } from './usage-retention/usage-retention.repository';

/** Background work of the service, in the order it starts. */
const WORKERS: readonly { worker: Type<BackgroundWorker>; role?: 'intake' | 'projection' }[] = [
  { worker: CatalogSeedWorker },
  { worker: UsageMaintenance },
  { worker: CatalogPollWorker },
  { worker: ReadModelsWorker, role: 'projection' },
  { worker: Repricer },
  { worker: UsageIngestConsumer, role: 'intake' },
  { worker: SpansIngestConsumer, role: 'intake' },
  { worker: TraceEvaluationWorker },
  { worker: UsageImportWorker, role: 'intake' },
];

/** The workers a process of `role` runs: all of them, or all but the other role's. */
export function workersOfRole(role: IngestionConfig['INGESTION_ROLE']): Type<BackgroundWorker>[] {
  return WORKERS.filter((w) => runsIn(w, role)).map((w) => w.worker);
}

function runsIn(entry: (typeof WORKERS)[number], role: IngestionConfig['INGESTION_ROLE']): boolean {
  return role === 'all' || entry.role === undefined || entry.role === role;
}

/** The ingestion service: owns the usage ledger, the pricing catalog and organization prices, and serves costs. */
@Module({
  imports: [ReadModelsModule],
  controllers: [
    CostController,
    PricingController,
    UsageImportController,
    TraceController,
    TraceSettingsController,
    UsageRetentionController,
    EndUserController,
    UsageLedgerKeysController,
  ],
  providers: [
    {
      provide: PriceBook,
      inject: [EVENT_STORE, SERVICE_CONFIG],
      useFactory: (store: EventStore, config: IngestionConfig) => new PriceBook(store, { overridesTtlMs: config.OVERRIDES_CACHE_TTL_MS }),
    },
    {
      provide: PriceCatalogHandler,
      inject: [CommandRunner, PriceBook, SERVICE_CONFIG],
      useFactory: (runner: CommandRunner, priceBook: PriceBook, config: IngestionConfig) =>
        new PriceCatalogHandler(runner, priceBook, config.PRICING_DATA_URL),
    },
    PriceOverrideHandler,
    PriceOverrideQueries,
    PriceQuoteQueries,
    PricingModelsQueries,
    CostRepository,
    UsageRecordRepository,
    CostQueries,
    UsageExporter,
    UsageRecordsServer,
    RecordedSpendRepository,
    RecordedSpendQueries,
    TraceQueryRepository,
    TraceQueries,
    UsageRecordingHandler,
    UsagePartitions,
    UsageProjectionRepository,
    TraceProjectionRepository,
    masterKeyProvider,
    {
      provide: CONTENT_KEYS,
      inject: [PG_POOL, MasterKeyRing],
      useFactory: (pool: Pool, ring: MasterKeyRing) => new SubjectKeyStore(pool, ring, 'ingestion.content_keys'),
    },
    TraceSettingsCache,
    TraceSettingsHandler,
    UsageRetentionHandler,
    UsageRetentionRepository,
    SpanContentStore,
    { provide: SpanContentSink, useExisting: SpanContentStore },
    SpanContentErasure,
    EndUserPseudonyms,
    UsageLedgerKeys,
    UsageRetentionJob,
    UsageAggregates,
    EndUserErasure,
    IngestionProjection,
    {
      provide: Repricer,
      inject: [PG_POOL, EVENT_STORE, PriceBook, LOGGER, SERVICE_CONFIG],
      useFactory: (pool: Pool, store: EventStore, priceBook: PriceBook, logger: Logger, config: IngestionConfig) =>
        new Repricer(pool, store, priceBook, logger, config.REPRICE_INTERVAL_MS),
    },
    {
      provide: TraceDetectorRegistry,
      inject: [SERVICE_CONFIG],
      useFactory: (config: IngestionConfig) => new TraceDetectorRegistry(detectorThresholds(config)),
    },
    {
      provide: TraceEvaluationWorker,
      inject: [PG_POOL, EVENT_STORE, TraceDetectorRegistry, LOGGER, SERVICE_CONFIG],
      useFactory: (pool: Pool, store: EventStore, registry: TraceDetectorRegistry, logger: Logger, config: IngestionConfig) =>
        new TraceEvaluationWorker(pool, store, registry, logger, {
          intervalMs: config.TRACE_EVALUATE_INTERVAL_MS,
          idleMs: config.TRACE_IDLE_MS,
          batchSize: config.TRACE_EVALUATE_BATCH,
          costWindowDays: config.TRACE_COST_OUTLIER_WINDOW_DAYS,
        }),
    },
    {
      provide: UsageMaintenance,
      inject: [PG_POOL, UsagePartitions, LOGGER, SERVICE_CONFIG, SpanContentStore, UsageRetentionJob],
      useFactory: (
        pool: Pool,
        partitions: UsagePartitions,
        logger: Logger,
        config: IngestionConfig,
        contents: SpanContentStore,
        retention: UsageRetentionJob,
      ) =>
        new UsageMaintenance(pool, partitions, logger, {
          dedupWindowDays: config.DEDUP_WINDOW_DAYS,
          monthsAhead: config.PARTITION_MONTHS_AHEAD,
          intervalMs: config.MAINTENANCE_INTERVAL_MS,
          contents,
          retention,
        }),
    },
    {
      provide: CatalogPollWorker,
      inject: [PriceBook, LOGGER, SERVICE_CONFIG],
      useFactory: (priceBook: PriceBook, logger: Logger, config: IngestionConfig) =>
        new CatalogPollWorker(priceBook, logger, config.PRICING_POLL_INTERVAL_MS),
    },
    CatalogSeedWorker,
    ReadModelsWorker,
    UsageIngestConsumer,
    SpanRecordingHandler,
    SpansIngestConsumer,
    UsageImportRepository,
    UsageImportHandler,
    UsageImportObjects,
    UsageImporter,
    UsageImportWorker,
    // In this order: prices before anything is priced, the months around now before records arrive, then the
    // projection, the repricer and, last, the intake (live usage, then backfills). Shutdown stops them in reverse.
    // INGESTION_ROLE leaves out the intake or the projection, so that each can run in processes of its own.
    {
      provide: BACKGROUND_WORKERS,
      inject: [SERVICE_CONFIG, ...WORKERS.map((w) => w.worker)],
      useFactory: (config: IngestionConfig, ...instances: BackgroundWorker[]) =>
        instances.filter((_, i) => runsIn(WORKERS[i], config.INGESTION_ROLE)),
    },
  ],
})
export class IngestionModule {}
