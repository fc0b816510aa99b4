import { Module } from '@nestjs/common';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { MasterKeyRing, SubjectKeyStore } from '@llmlab/crypto';
import type { EventStore } from '@llmlab/event-store';
import { WriteEffects } from '@llmlab/messaging';
import { ChannelRegistry, createChannelRegistry, createOutboundPolicy, DEFAULT_RETRY_POLICY, OutboundClient } from '@llmlab/notifications';
import {
  backgroundWorkers,
  CommandRunner,
  EVENT_STORE,
  LOGGER,
  masterKeyProvider,
  NATS_CONNECTION,
  PG_POOL,
  RUNTIME,
  SERVICE_CONFIG,
  type ServiceRuntime,
  UsageLedgerKeyClient,
} from '@llmlab/service-kit';
import { AlertController } from './alerts/alert.controller';
import { AlertHandler } from './alerts/alert.handler';
import { AlertQueries } from './alerts/alert.queries';
import { AlertRepository } from './alerts/alert.repository';
import type { AlertsConfig } from './alerts.config';
import { BudgetController } from './budgets/budget.controller';
import { BudgetHandler } from './budgets/budget.handler';
import { BudgetQueries } from './budgets/budget.queries';
import { BudgetRepository } from './budgets/budget.repository';
import { ChannelController } from './channels/channel.controller';
import { ChannelHandler } from './channels/channel.handler';
import { ChannelQueries } from './channels/channel.queries';
import { ChannelRepository } from './channels/channel.repository';
import { ChannelConfigCipher } from './crypto/channel-config.cipher';
import { ChannelKeysWorker } from './crypto/channel-keys.worker';
import { DeliveryPublisher } from './delivery/delivery.publisher';
import { DeliveryRepository } from './delivery/delivery.repository';
import { DeliverySender } from './delivery/delivery.sender';
import { DELIVERY_STREAM, ensureDeliveryStream, type DeliveryStream } from './delivery/delivery.stream';
import { DeliveryWorker } from './delivery/delivery.worker';
import { EvaluationScheduler } from './evaluation/evaluation.scheduler';
import { LockPool } from './evaluation/lock-pool';
import { RuleEvaluator } from './evaluation/rule-evaluator';
import { OwnerController } from './owners/owner.controller';
import { OwnerQueries } from './owners/owner.queries';
import { ALERTS_READ_MODELS, AlertsProjection } from './read-models/alerts.projection';
import { DirectoryProjection } from './read-models/directory.projection';
import { DirectoryRepository } from './read-models/directory.repository';
import { DirectoryWorker } from './read-models/directory.worker';
import { ReadModelsModule } from './read-models/read-models.module';
import { ReadModelsWorker } from './read-models/read-models.worker';
import { SettingsController } from './settings/settings.controller';
import { SettingsHandler } from './settings/settings.handler';
import { SettingsRepository } from './settings/settings.repository';
import { SpendProjection } from './spend/spend.projection';
import { SpendRepository } from './spend/spend.repository';
import { SpendWorker } from './spend/spend.worker';
import { ReconciliationWorker } from './reconciliation/reconciliation.worker';
import { AuditIntegrityWorker } from './audit-integrity/audit-integrity.worker';

/** Past the outbound timeout, so a claim outlives any attempt it covers. */
const LEASE_MARGIN_MS = 5_000;

/** The alerts service: owns budgets, alert rules, channels, fired alerts and deliveries. */
@Module({
  imports: [ReadModelsModule],
  controllers: [BudgetController, SettingsController, ChannelController, AlertController, OwnerController],
  providers: [
    masterKeyProvider,
    {
      provide: ChannelConfigCipher,
      inject: [PG_POOL, MasterKeyRing],
      useFactory: (pool: Pool, ring: MasterKeyRing) =>
        new ChannelConfigCipher(new SubjectKeyStore(pool, ring, 'alerts.channel_keys'), ring, pool),
    },
    {
      // One outbound client for every channel, so one policy (trusted origins, the timeout) governs all that is sent.
      provide: ChannelRegistry,
      inject: [SERVICE_CONFIG],
      useFactory: (config: AlertsConfig) =>
        createChannelRegistry(
          new OutboundClient(
            createOutboundPolicy({ trustedOrigins: config.ALERTS_TRUSTED_ORIGINS, timeoutMs: config.ALERTS_OUTBOUND_TIMEOUT_MS }),
          ),
        ),
    },
    {
      provide: WriteEffects,
      inject: [PG_POOL, SERVICE_CONFIG, LOGGER],
      useFactory: (pool: Pool, config: AlertsConfig, logger: Logger) =>
        new WriteEffects(pool, ALERTS_READ_MODELS, config.ALERTS_READ_YOUR_WRITES_TIMEOUT_MS, logger),
    },
    LockPool,
    BudgetRepository,
    SettingsRepository,
    ChannelRepository,
    AlertRepository,
    DirectoryRepository,
    SpendRepository,
    DeliveryRepository,
    AlertsProjection,
    DirectoryProjection,
    SpendProjection,
    UsageLedgerKeyClient,
    {
      provide: RuleEvaluator,
      inject: [
        LockPool,
        EVENT_STORE,
        CommandRunner,
        BudgetRepository,
        SettingsRepository,
        AlertRepository,
        SpendRepository,
        DirectoryRepository,
        SERVICE_CONFIG,
        LOGGER,
      ],
      useFactory: (
        lockPool: LockPool,
        store: EventStore,
        runner: CommandRunner,
        budgets: BudgetRepository,
        settings: SettingsRepository,
        alerts: AlertRepository,
        spend: SpendRepository,
        directory: DirectoryRepository,
        config: AlertsConfig,
        logger: Logger,
      ) =>
        new RuleEvaluator({ lockPool, store, runner, budgets, settings, alerts, spend, directory, appUrl: config.ALERTS_APP_URL, logger }),
    },
    BudgetQueries,
    BudgetHandler,
    SettingsHandler,
    ChannelQueries,
    {
      provide: ChannelHandler,
      inject: [
        CommandRunner,
        WriteEffects,
        ChannelRepository,
        ChannelRegistry,
        ChannelConfigCipher,
        SettingsRepository,
        DirectoryRepository,
        SERVICE_CONFIG,
      ],
      useFactory: (
        runner: CommandRunner,
        effects: WriteEffects,
        channels: ChannelRepository,
        registry: ChannelRegistry,
        cipher: ChannelConfigCipher,
        settings: SettingsRepository,
        directory: DirectoryRepository,
        config: AlertsConfig,
      ) => new ChannelHandler(runner, effects, channels, registry, cipher, settings, directory, config.ALERTS_APP_URL),
    },
    AlertQueries,
    AlertHandler,
    OwnerQueries,
    {
      // The JetStream topology is ensured before the modules boot; the service's own work queue joins it here.
      provide: DELIVERY_STREAM,
      inject: [RUNTIME, SERVICE_CONFIG],
      useFactory: async (runtime: ServiceRuntime, config: AlertsConfig) =>
        ensureDeliveryStream(await jetstreamManager(runtime.nats), runtime.streams, config.NATS_STREAM_REPLICAS),
    },
    {
      provide: DeliveryPublisher,
      inject: [PG_POOL, NATS_CONNECTION, DELIVERY_STREAM],
      useFactory: (pool: Pool, nats: NatsConnection, stream: DeliveryStream) =>
        new DeliveryPublisher(pool, jetstream(nats), stream.subject),
    },
    {
      provide: DeliverySender,
      inject: [DeliveryRepository, EVENT_STORE, ChannelRegistry, ChannelConfigCipher, LOGGER, SERVICE_CONFIG],
      useFactory: (
        repository: DeliveryRepository,
        store: EventStore,
        registry: ChannelRegistry,
        cipher: ChannelConfigCipher,
        logger: Logger,
        config: AlertsConfig,
      ) =>
        new DeliverySender(repository, store, registry, cipher, logger, {
          retryPolicy: {
            ...DEFAULT_RETRY_POLICY,
            maxAttempts: config.ALERTS_DELIVERY_MAX_ATTEMPTS,
            baseDelayMs: config.ALERTS_DELIVERY_BASE_DELAY_MS,
          },
          leaseMs: config.ALERTS_OUTBOUND_TIMEOUT_MS + LEASE_MARGIN_MS,
        }),
    },
    {
      provide: EvaluationScheduler,
      inject: [
        RuleEvaluator,
        PG_POOL,
        LockPool,
        BudgetRepository,
        AlertRepository,
        SpendRepository,
        DeliveryPublisher,
        LOGGER,
        SERVICE_CONFIG,
      ],
      useFactory: (
        evaluator: RuleEvaluator,
        pool: Pool,
        lockPool: LockPool,
        budgets: BudgetRepository,
        alerts: AlertRepository,
        spend: SpendRepository,
        publisher: DeliveryPublisher,
        logger: Logger,
        config: AlertsConfig,
      ) =>
        new EvaluationScheduler(evaluator, pool, lockPool, { budgets, alerts, spend }, publisher, logger, {
          debounceMs: config.ALERTS_EVALUATION_DEBOUNCE_MS,
          intervalMs: config.ALERTS_EVALUATION_INTERVAL_MS,
          retention: { dedupDays: config.ALERTS_USAGE_DEDUP_DAYS, aggregateDays: config.ALERTS_AGGREGATE_RETENTION_DAYS },
        }),
    },
    ChannelKeysWorker,
    DeliveryWorker,
    ReadModelsWorker,
    SpendWorker,
    ReconciliationWorker,
    AuditIntegrityWorker,
    DirectoryWorker,
    // Channel keys are in their table before anything is sent; deliveries are consumed before alerts can fire; usage
    // marks organizations for the scheduler, which starts last.
    backgroundWorkers(
      ChannelKeysWorker,
      DeliveryWorker,
      ReadModelsWorker,
      SpendWorker,
      DirectoryWorker,
      ReconciliationWorker,
      AuditIntegrityWorker,
      EvaluationScheduler,
    ),
  ],
})
export class AlertsModule {}
