import { Inject, Injectable } from '@nestjs/common';
import type { ProviderSyncEvent, RecordedEvent } from '@llmlab/contracts';
import type { ConsumerHandle } from '@llmlab/messaging';
import { RUNTIME, runEventConsumer, type BackgroundWorker, type ServiceRuntime } from '@llmlab/service-kit';
import { ConnectionStore } from '../connections/connection.store';
import { ReconciliationReporter } from '../reconciliation/reconciliation.reporter';

type RunCompleted = Extract<ProviderSyncEvent, { type: 'ProviderSyncRunCompleted' }>['data'];

/**
 * Reconciles the days of every completed sync run and reports their discrepancies, driven by
 * `ProviderSyncRunCompleted` on `EVENTS` rather than by the process that ran the sync: a report that cannot be made
 * (ingestion unavailable, the process killed right after the run completed) is owed until it is made, through the
 * consumer's redeliveries. The reporter appends only what changed, so a redelivery reports nothing twice.
 */
@Injectable()
export class ReconcileAfterSyncWorker implements BackgroundWorker {
  readonly name = 'provider-sync-reconciliation consumer';
  private handle?: ConsumerHandle;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly store: ConnectionStore,
    private readonly reporter: ReconciliationReporter,
  ) {}

  async start(): Promise<void> {
    this.handle = await runEventConsumer(
      this.runtime,
      'provider-sync-reconciliation',
      'events.provider-sync.ProviderSyncRunCompleted',
      async (event) => {
        const { data, metadata } = event as RecordedEvent<string, RunCompleted>;
        // The event can arrive before the read model has taken the completion in; the days it covered count as
        // imported (not pending) only once the connection's synced-until has moved past them, so wait for that.
        const run = await this.store.prisma.syncRun.findUnique({ where: { runId: data.runId } });
        const connection = await this.store.prisma.connection.findUnique({ where: { connectionId: data.connectionId } });
        if (!run || !connection?.syncedUntil || connection.syncedUntil < run.rangeTo)
          throw new Error(`sync run ${data.runId} is not in the read model yet`);
        await this.reporter.afterSync(data.organizationId, { from: run.rangeFrom, to: run.rangeTo }, metadata.correlationId);
      },
    );
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
  }
}
