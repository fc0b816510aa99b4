import { Inject, Injectable } from '@nestjs/common';
import type { RecordedEvent, ReconciliationEvent } from '@llmlab/contracts';
import type { ConsumerHandle } from '@llmlab/messaging';
import { RUNTIME, type BackgroundWorker, type ServiceRuntime, runEventConsumer } from '@llmlab/service-kit';
import { RuleEvaluator } from '../evaluation/rule-evaluator';

/**
 * Fires the reconciliation rule from provider-sync's `ReconciliationDiscrepancyDetected` events: the figures come
 * as facts on `EVENTS`, the threshold is this service's (the organization's alert settings). A redelivery fires
 * nothing new: the alert's id derives from its rule key and its stream is appended once.
 */
@Injectable()
export class ReconciliationWorker implements BackgroundWorker {
  readonly name = 'alerts-reconciliation consumer';
  private handle?: ConsumerHandle;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly evaluator: RuleEvaluator,
  ) {}

  async start(): Promise<void> {
    this.handle = await runEventConsumer(
      this.runtime,
      'alerts-reconciliation',
      'events.provider-sync.ReconciliationDiscrepancyDetected',
      async (event) => {
        const { data } = event as RecordedEvent<string, ReconciliationEvent['data']>;
        await this.evaluator.reconciliation(data, new Date());
      },
    );
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
  }
}
