import type {
  PriceCatalogRefreshedData,
  PriceOverrideRemovedData,
  PriceOverrideSetData,
  RecordedEvent,
  SpansRecordedData,
  TracesEvaluatedData,
  UsageAggregatesKeptData,
  UsageRecordedData,
  UsageRepricedData,
  UsageRetentionChangedData,
} from '@llmlab/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { firstOfEachId, openUsageRecords } from '@llmlab/crypto';
import { applyInTransaction } from '@llmlab/messaging';
import { PG_POOL } from '@llmlab/service-kit';
import type { Pool, PoolClient } from 'pg';
import { EndUserPseudonyms, pseudonymsOf } from '../end-users/end-user-pseudonyms';
import { TraceProjectionRepository } from '../traces/trace-projection.repository';
import { catalogRepriceScopes, overrideRepriceScopes } from '../repricing/reprice-scopes';
import { UsageAggregates } from '../usage/usage-aggregates';
import { UsageLedgerKeys } from '../usage/usage-ledger-keys';
import { UsagePartitions } from '../usage/usage-partitions';
import { UsageImportRepository } from '../usage-imports/usage-import.repository';
import { UsageRetentionRepository } from '../usage-retention/usage-retention.repository';
import { overridesScope, UsageProjectionRepository } from './usage-projection.repository';

export const PROJECTION = { schema: 'ingestion', projection: 'usage' } as const;

/**
 * Projects the ingestion events, in order, into the read models: usage records and rollups (deduplicated by event
 * id per project), traces and their spans and flags, the catalog's current entries, and the repricing work a price
 * change leaves behind. Events commit with the projection checkpoint, so an event read again changes nothing.
 */
@Injectable()
export class IngestionProjection {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly partitions: UsagePartitions,
    private readonly repository: UsageProjectionRepository,
    private readonly imports: UsageImportRepository,
    private readonly traces: TraceProjectionRepository,
    private readonly endUsers: EndUserPseudonyms,
    private readonly retention: UsageRetentionRepository,
    private readonly ledgerKeys: UsageLedgerKeys,
    private readonly aggregates: UsageAggregates,
  ) {}

  /** One event in its own transaction with the checkpoint (tests, tools); the worker applies runs of them. */
  apply(event: RecordedEvent): Promise<boolean> {
    return applyInTransaction(this.pool, PROJECTION, event, (tx) => this.write(tx, event));
  }

  /** A run of events, in order, inside the ordered projection's transaction (read-models.worker.ts). */
  async applyRun(tx: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
    for (const event of events) await this.write(tx, event);
  }

  private async write(tx: PoolClient, event: RecordedEvent): Promise<void> {
    switch (event.type) {
      case 'UsageRecorded':
        return this.recordUsage(tx, event as RecordedEvent<'UsageRecorded', UsageRecordedData>);
      case 'UsageAggregatesKept':
        return this.aggregates.restore(tx, event.data as UsageAggregatesKeptData);
      case 'UsageRepriced':
        await this.repository.reprice(tx, event.data as UsageRepricedData);
        return;
      case 'PriceCatalogRefreshed': {
        const data = event.data as PriceCatalogRefreshedData;
        await this.repository.applyCatalogChange(tx, data);
        await this.repository.setRevision(tx, 'catalog', event.revision);
        await this.repository.addRepriceJob(tx, {
          id: event.id,
          organizationId: null,
          requiredRevision: event.revision,
          scopes: catalogRepriceScopes(data),
        });
        return;
      }
      case 'PriceOverrideSet':
      case 'PriceOverrideRemoved': {
        const typed = event as
          RecordedEvent<'PriceOverrideSet', PriceOverrideSetData> | RecordedEvent<'PriceOverrideRemoved', PriceOverrideRemovedData>;
        const { organizationId } = typed.data;
        await this.repository.setRevision(tx, overridesScope(organizationId), event.revision);
        await this.repository.addRepriceJob(tx, {
          id: event.id,
          organizationId,
          requiredRevision: event.revision,
          scopes: overrideRepriceScopes(typed),
        });
        return;
      }
      case 'UsageImportQueued':
      case 'UsageImportStarted':
      case 'UsageImportPartRecorded':
      case 'UsageImportCompleted':
      case 'UsageImportFailed':
        return this.imports.apply(tx, event);
      case 'SpansRecorded':
        await this.traces.recordSpans(tx, event as RecordedEvent<'SpansRecorded', SpansRecordedData>);
        return;
      case 'TracesEvaluated':
        return this.traces.applyEvaluation(tx, event as RecordedEvent<'TracesEvaluated', TracesEvaluatedData>);
      case 'UsageRetentionChanged':
        return this.retention.apply(tx, event as RecordedEvent<'UsageRetentionChanged', UsageRetentionChangedData>);
      default:
        // Every ingestion event has its case above; anything else in the context changes no read model here.
        return;
    }
  }

  private async recordUsage(tx: PoolClient, event: RecordedEvent<'UsageRecorded', UsageRecordedData>): Promise<void> {
    const data = event.data;
    // Records of a month past retention (its key destroyed) are not projected: the read models dropped that month.
    const opened = await openUsageRecords(data, this.ledgerKeys);
    const records = firstOfEachId(opened.records);
    await this.partitions.ensure(
      tx,
      records.map((r) => r.timestamp),
    );
    const revisions = await this.repository.pricingRevisions(tx, data.organizationId);
    const endUsers = await this.endUsers.resolve(tx, data.projectId, pseudonymsOf(records));
    const recorded = await this.repository.recordUsage(tx, {
      organizationId: data.organizationId,
      projectId: data.projectId,
      receivedAt: data.receivedAt,
      batchId: data.batchId,
      apiKeyId: data.apiKeyId,
      position: event.position,
      recordedAt: event.recordedAt,
      imported: data.importId !== undefined,
      records,
      endUsers,
      stale: data.pricing.catalogRevision < revisions.catalog || data.pricing.overridesRevision < revisions.overrides,
      revisions,
    });
    if (data.importId !== undefined) await this.imports.counted(tx, data.importId, recorded, opened.records.length - recorded);
  }
}
