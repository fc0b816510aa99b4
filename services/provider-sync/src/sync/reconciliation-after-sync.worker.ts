import { Inject, Injectable } from '@nestjs/common';
import type { ProviderSyncEvent } from '@llmlab/contracts';
import { waitForProjection, type ConsumerHandle } from '@llmlab/messaging';
import { RUNTIME, runProjection, SERVICE_CONFIG, type BackgroundWorker, type ServiceRuntime } from '@llmlab/service-kit';
import { ConnectionsRepository } from '../connections/connections.repository';
import type { ProviderSyncConfig } from '../provider-sync.config';
import { PROVIDER_SYNC_READ_MODELS } from '../read-models/provider-sync.projection';
import { ReconciliationReporter } from '../reconciliation/reconciliation.reporter';

/**
 * Reports the reconciliation of every completed sync run (`ProviderSyncRunCompleted`), once the read models hold
 * what the run imported, so a crash between the run's end and its report loses nothing: the event is redelivered
 * until the report is appended. Reporting again appends nothing (the discrepancy decider keeps what it reported),
 * and an ingestion service that does not answer delays the report (nak, backoff) without holding up the read models.
 */
@Injectable()
export class ReconciliationAfterSyncWorker implements BackgroundWorker {
  readonly name = 'provider-sync-reconciliation consumer';
  private handle?: ConsumerHandle;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(SERVICE_CONFIG) private readonly config: ProviderSyncConfig,
    private readonly repository: ConnectionsRepository,
    private readonly reporter: ReconciliationReporter,
  ) {}

  async start(): Promise<void> {
    this.handle = await runProjection(
      this.runtime,
      'provider-sync-reconciliation',
      'events.provider-sync.ProviderSyncRunCompleted',
      async (event) => {
        const timeoutMs = this.config.PROVIDER_SYNC_READ_YOUR_WRITES_TIMEOUT_MS;
        if (!(await waitForProjection(this.runtime.pool, PROVIDER_SYNC_READ_MODELS, event.position, timeoutMs)))
          throw new Error('the read models have not applied the completed run yet');
        const { runId } = event.data as Extract<ProviderSyncEvent, { type: 'ProviderSyncRunCompleted' }>['data'];
        const run = await this.repository.run(runId);
        if (!run) throw new Error(`sync run ${runId} is not in the read models`);
        await this.reporter.afterSync(run.organizationId, { from: run.rangeFrom, to: run.rangeTo }, event.metadata.correlationId);
      },
    );
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
  }
}
