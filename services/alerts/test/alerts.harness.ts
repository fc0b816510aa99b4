import { randomBytes } from 'node:crypto';
import { ServiceHarness } from '@llmlab/testing';
import { alertsEnv } from '../src/alerts.config';
import { AlertsModule } from '../src/alerts.module';
import { EvaluationScheduler } from '../src/evaluation/evaluation.scheduler';

export interface HarnessOptions {
  /** Extra environment of the service (alerts variables). */
  env?: Record<string, string>;
  /** Another harness whose database and NATS prefix this one shares: a second replica of the same service. */
  replicaOf?: AlertsHarness;
}

export const TEST_MASTER_KEY = randomBytes(32).toString('base64');

/**
 * The alerts service in this process, as `main.ts` boots it (the shared `ServiceHarness`), with what its tests
 * add: usage appended as the ingestion service writes it (events the relay publishes to EVENTS), waiting for its
 * projections, and an evaluation tick on demand.
 */
export class AlertsHarness extends ServiceHarness {
  static async start(options: HarnessOptions = {}): Promise<AlertsHarness> {
    const launched = await ServiceHarness.launch(
      { name: 'alerts', env: alertsEnv, module: AlertsModule },
      {
        replicaOf: options.replicaOf,
        env: {
          MASTER_ENCRYPTION_KEY: TEST_MASTER_KEY,
          // Tests tick by hand unless they say otherwise.
          ALERTS_EVALUATION_INTERVAL_MS: '3600000',
          ALERTS_EVALUATION_DEBOUNCE_MS: '100',
          ALERTS_DELIVERY_ACK_WAIT_MS: '5000',
          ALERTS_DELIVERY_BASE_DELAY_MS: '100',
          ALERTS_OUTBOUND_TIMEOUT_MS: '3000',
          ...options.env,
        },
      },
    );
    return new AlertsHarness(launched);
  }

  /** Waits until the spend and read-model projections have applied every event appended so far. */
  async settled(timeoutMs = 20_000): Promise<void> {
    await this.projected('alerts', 'spend', 'ingestion', timeoutMs);
    await this.projected('alerts', 'read-models', 'alerts', timeoutMs);
  }

  /** One evaluation tick now (forecast, anomaly, resolution), after the projections caught up. */
  async tick(): Promise<void> {
    await this.settled();
    // A tick already running, here or on a replica, refuses a second one: wait for a turn.
    await this.until(() => this.get(EvaluationScheduler).tick(), 'a turn to tick');
    await this.settled();
  }
}
