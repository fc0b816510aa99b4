import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ingestionStreams, type UsageDetailExpiredData } from '@llmlab/contracts';
import type { EventStore } from '@llmlab/event-store';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { EVENT_STORE, LOGGER, PG_POOL } from '@llmlab/service-kit';
import { UsageRetentionRepository } from '../usage-retention/usage-retention.repository';
import { UsageAggregates } from './usage-aggregates';
import { UsageLedgerKeys } from './usage-ledger-keys';

/** Rows deleted per statement: short transactions, so expiry never holds up the projection for long. */
const DELETE_BATCH = 5_000;

/**
 * Usage detail past an organization's retention (docs/security.md, "Retention of usage detail"): its usage records
 * and traces deleted from the read models, and the data keys of the months that ended before the cutoff destroyed
 * (after their aggregates are kept in the ledger), which makes those months' records unreadable in the ledger and
 * in every copy of it. The hourly, daily and
 * monthly aggregates stay. Each run that drops something appends `UsageDetailExpired` (counts only). Idempotent and
 * safe on several replicas at once; run again, it catches what arrived since (an import of old usage).
 */
@Injectable()
export class UsageRetentionJob {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly settings: UsageRetentionRepository,
    private readonly ledgerKeys: UsageLedgerKeys,
    private readonly aggregates: UsageAggregates,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async run(now: Date): Promise<UsageDetailExpiredData[]> {
    const expired: UsageDetailExpiredData[] = [];
    for (const { organizationId, retentionDays } of await this.settings.organizationsWithRetention()) {
      const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
      const records = await this.deleteRecords(organizationId, cutoff);
      const traces = await this.deleteTraces(organizationId, cutoff);
      const months = await this.expireMonths(organizationId, cutoff);
      if (records === 0 && traces === 0 && months.length === 0) continue;
      const data: UsageDetailExpiredData = {
        organizationId,
        retentionDays,
        cutoff: cutoff.toISOString(),
        records,
        traces,
        months,
        expiredAt: now.toISOString(),
      };
      const id = randomUUID();
      await this.store.appendToStream(
        ingestionStreams.usageExpiry(organizationId),
        [
          {
            id,
            type: 'UsageDetailExpired',
            data,
            metadata: { actor: { type: 'system', id: 'ingestion-retention' }, organizationId, correlationId: id },
          },
        ],
        { expectedRevision: 'any' },
      );
      this.logger.info({ organizationId, records, traces, months: months.length }, 'usage detail past retention expired');
      expired.push(data);
    }
    return expired;
  }

  /**
   * A month whose last instant is before the cutoff is wholly past retention: its aggregates are kept in the
   * ledger, then its key goes. A month whose aggregates could not be kept yet (the projection behind) waits.
   */
  private async expireMonths(organizationId: string, cutoff: Date): Promise<{ projectId: string; month: string }[]> {
    const expired: { projectId: string; month: string }[] = [];
    const byProject = new Map<string, string[]>();
    for (const { projectId, month } of await this.ledgerKeys.monthsBefore(organizationId, cutoff.toISOString().slice(0, 7))) {
      byProject.set(projectId, [...(byProject.get(projectId) ?? []), month]);
    }
    for (const [projectId, months] of byProject) {
      if ((await this.aggregates.keep(organizationId, projectId, months)) === 'deferred') {
        this.logger.info({ organizationId, projectId, months }, 'usage months past retention wait for the projection');
        continue;
      }
      for (const month of months) {
        await this.ledgerKeys.destroy(organizationId, projectId, month);
        expired.push({ projectId, month });
      }
    }
    return expired;
  }

  private async deleteRecords(organizationId: string, cutoff: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const { rowCount } = await this.pool.query(
        `DELETE FROM ingestion.usage_records r USING (
           SELECT project_id, occurred_at, event_id FROM ingestion.usage_records
            WHERE organization_id = $1 AND occurred_at < $2 LIMIT ${DELETE_BATCH}) d
          WHERE r.project_id = d.project_id AND r.occurred_at = d.occurred_at AND r.event_id = d.event_id`,
        [organizationId, cutoff],
      );
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < DELETE_BATCH) return total;
    }
  }

  /** Traces that ended before the cutoff, with their spans, flags and any captured text. */
  private async deleteTraces(organizationId: string, cutoff: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const client = await this.pool.connect();
      let deleted: number;
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<{ project_id: string; trace_id: string }>(
          `DELETE FROM ingestion.traces t USING (
             SELECT project_id, trace_id FROM ingestion.traces
              WHERE organization_id = $1 AND ended_at < $2 LIMIT ${DELETE_BATCH}) d
            WHERE t.project_id = d.project_id AND t.trace_id = d.trace_id
           RETURNING t.project_id, t.trace_id`,
          [organizationId, cutoff],
        );
        deleted = rows.length;
        if (deleted > 0) {
          const keys = JSON.stringify(rows);
          for (const table of ['trace_spans', 'trace_flags', 'span_contents']) {
            await client.query(
              `DELETE FROM ingestion.${table} x USING jsonb_to_recordset($1::jsonb) AS d(project_id uuid, trace_id text)
                WHERE x.project_id = d.project_id AND x.trace_id = d.trace_id`,
              [keys],
            );
          }
        }
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
      total += deleted;
      if (deleted < DELETE_BATCH) return total;
    }
  }
}
