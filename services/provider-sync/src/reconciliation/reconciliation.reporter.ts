import { Injectable } from '@nestjs/common';
import { reconciliationStreams } from '@llmlab/contracts';
import { trustedScope } from '@llmlab/domain';
import { CommandRunner } from '@llmlab/service-kit';
import { discrepancyDecider, type DayDiscrepancy } from './discrepancy.decider';
import { ReconciliationQueries } from './reconciliation.queries';

const DAY_MS = 86_400_000;

/**
 * After a sync (`ReconcileAfterSyncWorker`, on each `ProviderSyncRunCompleted`): reconciles the days it imported (per provider, whole UTC days) and reports the complete days outside
 * the tolerance as `ReconciliationDiscrepancyDetected`, for the alerts service to judge against its threshold. The
 * discrepancy decider appends only what changed since the last report, so running this again (a re-sync, a redelivery
 * after a failure or a crash) appends nothing new.
 */
@Injectable()
export class ReconciliationReporter {
  constructor(
    private readonly queries: ReconciliationQueries,
    private readonly runner: CommandRunner,
  ) {}

  async afterSync(organizationId: string, range: { from: Date; to: Date }, correlationId: string, now = new Date()): Promise<number> {
    const scope = trustedScope(organizationId);
    const days = {
      from: new Date(Math.floor(range.from.getTime() / DAY_MS) * DAY_MS),
      to: new Date(Math.ceil(range.to.getTime() / DAY_MS) * DAY_MS),
    };
    const report = await this.queries.reconcile(scope, days, 'day', undefined, correlationId, now);
    const discrepancies: DayDiscrepancy[] = report.rows.flatMap((r) =>
      r.status === 'unrecorded' || r.status === 'overrecorded'
        ? [{ provider: r.provider, day: r.day, direction: r.status, recorded: r.recorded, billed: r.billed }]
        : [],
    );
    if (discrepancies.length === 0) return 0;
    const result = await this.runner.run(
      reconciliationStreams.organization(organizationId),
      discrepancyDecider,
      { type: 'ReportDiscrepancies', data: { organizationId, discrepancies, at: now.toISOString() } },
      { metadata: { actor: { type: 'system', id: 'provider-sync' }, organizationId, correlationId } },
    );
    return result.events.length;
  }
}
