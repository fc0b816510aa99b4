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
import { overridesScope, UsageProjectionRepository, type RecordUsagePart } from './usage-projection.repository';

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
    return applyInTransaction(this.pool, PROJECTION, event, (tx) => this.applyRun(tx, [event]));
  }

  /**
   * A run of events, in order, inside the ordered projection's transaction (read-models.worker.ts). Consecutive
   * `UsageRecorded` events are recorded together: what they look up (the pricing revisions, the end users'
   * mapping) is read once for them all and their records are written in one statement, so a run costs a few round
   * trips whatever its length, not four per event. The projection shares its process with the ingest consumer, whose
   * pricing keeps the event loop busy, and each round trip of the projection's transaction waits for a turn of it.
   */
  async applyRun(tx: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
    for (let i = 0; i < events.length;) {
      let end = i;
      while (end < events.length && events[end].type === 'UsageRecorded') end += 1;
      if (end > i) {
        await this.recordUsage(tx, events.slice(i, end) as RecordedEvent<'UsageRecorded', UsageRecordedData>[]);
        i = end;
      } else {
        await this.write(tx, events[i]);
        i += 1;
      }
    }
  }

  private async write(tx: PoolClient, event: RecordedEvent): Promise<void> {
    switch (event.type) {
      case 'UsageRecorded':
        return this.recordUsage(tx, [event as RecordedEvent<'UsageRecorded', UsageRecordedData>]);
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

  /**
   * Consecutive `UsageRecorded` events: the revisions and end users read once (a price change or an erasure in
   * between cannot happen: other events end the run, and the end users' shared lock holds until the commit), then
   * the records of them all in one statement, which writes what the events applied one at a time would.
   */
  private async recordUsage(tx: PoolClient, events: readonly RecordedEvent<'UsageRecorded', UsageRecordedData>[]): Promise<void> {
    // Records of a month past retention (its key destroyed) are not projected: the read models dropped that month.
    const opened = await Promise.all(events.map((event) => openUsageRecords(event.data, this.ledgerKeys)));
    const records = opened.map((o) => firstOfEachId(o.records));
    await this.partitions.ensure(
      tx,
      records.flatMap((rs) => rs.map((r) => r.timestamp)),
    );
    const revisionsOf = await this.repository.pricingRevisions(
      tx,
      events.map((e) => e.data.organizationId),
    );
    const pseudonyms = new Map<string, string[]>();
    events.forEach((event, i) => {
      const list = pseudonyms.get(event.data.projectId) ?? [];
      list.push(...pseudonymsOf(records[i]));
      pseudonyms.set(event.data.projectId, list);
    });
    const endUsersOf = await this.endUsers.resolveMany(tx, pseudonyms);
    const parts = events.map((event, i): RecordUsagePart => {
      const data = event.data;
      const revisions = revisionsOf.get(data.organizationId)!;
      return {
        organizationId: data.organizationId,
        projectId: data.projectId,
        receivedAt: data.receivedAt,
        batchId: data.batchId,
        apiKeyId: data.apiKeyId,
        position: event.position,
        recordedAt: event.recordedAt,
        imported: data.importId !== undefined,
        records: records[i],
        endUsers: endUsersOf.get(data.projectId)!,
        stale: data.pricing.catalogRevision < revisions.catalog || data.pricing.overridesRevision < revisions.overrides,
        revisions,
      };
    });
    const recorded = await this.repository.recordUsage(tx, parts);
    for (const [i, event] of events.entries()) {
      const { importId } = event.data;
      if (importId === undefined) continue;
      const written = recorded.get(event.position) ?? 0;
      await this.imports.counted(tx, importId, written, opened[i].records.length - written);
    }
  }
}
