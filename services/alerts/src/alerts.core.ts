import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { RecordedEvent } from '@llmlab/contracts';
import { SubjectKeyStore, type MasterKeyRing } from '@llmlab/crypto';
import { runConsumer, type StreamTopology } from '@llmlab/messaging';
import {
  createChannelRegistry,
  createOutboundPolicy,
  DEFAULT_RETRY_POLICY,
  OutboundClient,
  type ChannelRegistry,
} from '@llmlab/notifications';
import { type ServiceRuntime, CommandRunner } from '@llmlab/service-kit';
import { Pool } from 'pg';
import { AlertHandler } from './alerts/alert.handler';
import { AlertQueries } from './alerts/alert.queries';
import { AlertRepository } from './alerts/alert.repository';
import { alertsConfig, type AlertsConfig } from './alerts.config';
import { BudgetHandler } from './budgets/budget.handler';
import { BudgetQueries } from './budgets/budget.queries';
import { BudgetRepository } from './budgets/budget.repository';
import { ChannelHandler } from './channels/channel.handler';
import { ChannelQueries } from './channels/channel.queries';
import { ChannelRepository } from './channels/channel.repository';
import { ChannelConfigCipher } from './crypto/channel-config.cipher';
import { runDeliveryConsumer } from './delivery/delivery.consumer';
import { DeliveryPublisher } from './delivery/delivery.publisher';
import { DeliveryRepository } from './delivery/delivery.repository';
import { ensureDeliveryStream } from './delivery/delivery.stream';
import { DeliveryWorker } from './delivery/delivery.worker';
import { EvaluationScheduler } from './evaluation/evaluation.scheduler';
import { RuleEvaluator } from './evaluation/rule-evaluator';
import { OwnerQueries } from './owners/owner.queries';
import { ALERTS_READ_MODELS, AlertsProjection } from './read-models/alerts.projection';
import { DirectoryProjection } from './read-models/directory.projection';
import { DirectoryRepository } from './read-models/directory.repository';
import { createPrismaClient, type PrismaClient } from './read-models/prisma';
import { SettingsHandler } from './settings/settings.handler';
import { SettingsRepository } from './settings/settings.repository';
import { WriteEffects } from '@llmlab/messaging';
import { SpendProjection } from './spend/spend.projection';
import { SpendRepository } from './spend/spend.repository';

export const CONSUMERS = {
  readModels: 'alerts-read-models',
  spend: 'alerts-spend',
  directory: 'alerts-directory',
  deliveries: 'alerts-deliveries',
} as const;

/** Past the outbound timeout, so a claim outlives any attempt it covers. */
const LEASE_MARGIN_MS = 5_000;

/**
 * The alerts service's moving parts outside NestJS: the handlers and queries the controllers call, and, once
 * the service listens, the projections, the evaluation schedule and the delivery consumer.
 */
export class AlertsCore {
  readonly config: AlertsConfig;
  readonly prisma: PrismaClient;
  private readonly registry: ChannelRegistry;
  readonly evaluator: RuleEvaluator;
  readonly budgetQueries: BudgetQueries;
  readonly budgetHandler: BudgetHandler;
  readonly settingsRepository: SettingsRepository;
  readonly settingsHandler: SettingsHandler;
  readonly channelQueries: ChannelQueries;
  readonly channelHandler: ChannelHandler;
  readonly alertQueries: AlertQueries;
  readonly alertHandler: AlertHandler;
  readonly ownerQueries: OwnerQueries;
  /** Known once started. */
  scheduler?: EvaluationScheduler;
  private readonly cipher: ChannelConfigCipher;
  private readonly lockPool: Pool;
  private readonly repositories: { budgets: BudgetRepository; alerts: AlertRepository; spend: SpendRepository };

  constructor(
    private readonly runtime: ServiceRuntime,
    masterKeys: MasterKeyRing,
  ) {
    const config = (this.config = alertsConfig(runtime));
    const { pool, eventStore: store, logger } = runtime;
    this.prisma = createPrismaClient(config.DATABASE_URL);
    this.lockPool = new Pool({ connectionString: config.DATABASE_URL, max: 4, application_name: 'llmlab-alerts-locks' });
    this.lockPool.on('error', (err) => logger.error({ err }, 'idle PostgreSQL client (locks) failed'));
    this.cipher = new ChannelConfigCipher(new SubjectKeyStore(pool, masterKeys, 'alerts.channel_keys'), masterKeys, pool);
    this.registry = createChannelRegistry(
      new OutboundClient(
        createOutboundPolicy({ trustedOrigins: config.ALERTS_TRUSTED_ORIGINS, timeoutMs: config.ALERTS_OUTBOUND_TIMEOUT_MS }),
      ),
    );
    const runner = new CommandRunner(store);
    const effects = new WriteEffects(pool, ALERTS_READ_MODELS, config.ALERTS_READ_YOUR_WRITES_TIMEOUT_MS, logger);
    const budgets = new BudgetRepository(this.prisma);
    const alerts = new AlertRepository(this.prisma);
    const spend = new SpendRepository(pool);
    const directory = new DirectoryRepository(this.prisma);
    const channels = new ChannelRepository(this.prisma);
    this.repositories = { budgets, alerts, spend };
    this.settingsRepository = new SettingsRepository(this.prisma);
    this.evaluator = new RuleEvaluator({
      lockPool: this.lockPool,
      store,
      runner,
      budgets,
      settings: this.settingsRepository,
      alerts,
      spend,
      directory,
      appUrl: config.ALERTS_APP_URL,
      logger,
    });
    this.budgetQueries = new BudgetQueries(budgets, this.evaluator);
    this.budgetHandler = new BudgetHandler(runner, effects, budgets, this.settingsRepository, this.budgetQueries);
    this.settingsHandler = new SettingsHandler(runner, effects, this.settingsRepository);
    this.channelQueries = new ChannelQueries(channels);
    this.channelHandler = new ChannelHandler(
      runner,
      effects,
      channels,
      this.registry,
      this.cipher,
      this.settingsRepository,
      directory,
      config.ALERTS_APP_URL,
    );
    this.alertQueries = new AlertQueries(this.prisma);
    this.alertHandler = new AlertHandler(runner, effects, this.alertQueries);
    this.ownerQueries = new OwnerQueries(this.prisma);
  }

  /** Started after the service listens; every part registers with the runtime, which stops them in reverse. */
  async start(): Promise<void> {
    const { runtime, config } = this;
    const topology = runtime.topology;
    if (!topology) throw new Error('the JetStream topology is not known yet: start the alerts core after the service kit');
    runtime.onShutdown({ name: 'lock pool', stop: () => this.lockPool.end() });
    const unreadable = await this.cipher.adoptLegacyKeys();
    if (unreadable.length)
      runtime.logger.error({ channels: unreadable }, 'channel keys that no configured master key opens: those channels cannot deliver');
    const js = jetstream(runtime.nats);
    const stream = await ensureDeliveryStream(await jetstreamManager(runtime.nats), topology, config.NATS_STREAM_REPLICAS);
    const publisher = new DeliveryPublisher(runtime.pool, js, stream.subject);

    const worker = new DeliveryWorker(
      new DeliveryRepository(runtime.pool),
      runtime.eventStore,
      this.registry,
      this.cipher,
      runtime.logger,
      {
        retryPolicy: {
          ...DEFAULT_RETRY_POLICY,
          maxAttempts: config.ALERTS_DELIVERY_MAX_ATTEMPTS,
          baseDelayMs: config.ALERTS_DELIVERY_BASE_DELAY_MS,
        },
        leaseMs: config.ALERTS_OUTBOUND_TIMEOUT_MS + LEASE_MARGIN_MS,
      },
    );
    const deliveries = await runDeliveryConsumer({
      js,
      stream: stream.name,
      durable: CONSUMERS.deliveries,
      worker,
      concurrency: config.ALERTS_DELIVERY_CONCURRENCY,
      ackWaitMs: config.ALERTS_DELIVERY_ACK_WAIT_MS,
      maxHandlerFailures: 10,
      logger: runtime.logger,
    });
    runtime.onShutdown({ name: 'delivery consumer', stop: () => deliveries.stop() });

    const projection = new AlertsProjection(runtime.pool);
    await this.project(js, topology, CONSUMERS.readModels, 'events.alerts.>', async (event) => {
      await projection.apply(event);
      // After the commit that created the deliveries, also when the apply was a redelivery: the outbox is idempotent.
      if (event.type === 'AlertFired') await publisher.publishForAlert((event.data as { alertId: string }).alertId);
    });

    const scheduler = (this.scheduler = new EvaluationScheduler(
      this.evaluator,
      runtime.pool,
      this.lockPool,
      this.repositories,
      publisher,
      runtime.logger,
      {
        debounceMs: config.ALERTS_EVALUATION_DEBOUNCE_MS,
        intervalMs: config.ALERTS_EVALUATION_INTERVAL_MS,
        retention: { dedupDays: config.ALERTS_USAGE_DEDUP_DAYS, aggregateDays: config.ALERTS_AGGREGATE_RETENTION_DAYS },
      },
    ));
    const spend = new SpendProjection(runtime.pool);
    await this.project(js, topology, CONSUMERS.spend, 'events.ingestion.>', async (event) => {
      const change = await spend.apply(event);
      if (change && change.counted > 0) scheduler.markDirty(change.organizationId);
    });

    const directory = new DirectoryProjection(runtime.pool);
    await this.project(js, topology, CONSUMERS.directory, 'events.auth.>', async (event) => {
      await directory.apply(event);
    });

    scheduler.start();
    runtime.onShutdown({ name: 'rule evaluation', stop: () => scheduler.stop() });
  }

  /** A projection fed in order across replicas: one message in flight, its checkpoint committed with its write. */
  private async project(
    js: JetStreamClient,
    topology: StreamTopology,
    durable: string,
    subject: string,
    apply: (event: RecordedEvent) => Promise<void>,
  ): Promise<void> {
    const handle = await runConsumer({
      js,
      stream: topology.events.name,
      durable,
      filterSubject: topology.subject(subject),
      concurrency: 1,
      maxAckPending: 1,
      maxDeliver: 10,
      backoffMs: [200, 1_000, 5_000, 30_000],
      deadLetterSubject: topology.subject(`dlq.${durable}`),
      handler: (msg) => apply(msg.json<RecordedEvent>()),
    });
    this.runtime.onShutdown({ name: `${durable} consumer`, stop: () => handle.stop() });
  }
}
