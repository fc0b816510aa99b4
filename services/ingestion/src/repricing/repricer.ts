import { createHash } from 'node:crypto';
import { ingestionStreams, type EventMetadata, type NewEvent, type RecordCostData, type UsageRepricedData } from '@llmlab/contracts';
import { trustedScope } from '@llmlab/domain';
import type { EventStore } from '@llmlab/event-store';
import { inTransaction } from '@llmlab/persistence';
import { startPollingLoop, type BackgroundWorker, type PollingLoopHandle } from '@llmlab/service-kit';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { derivedEventId } from '../derived-event-id';
import type { PriceBook } from '../price-catalog/price-book';
import { priceUsage, type PricingSnapshot } from '../usage/record-pricing';
import type { RepriceScope } from './reprice-scopes';
import { correctionsFor, type ProjectCorrections, type RecordToReprice } from './usage-corrections';

/** Records read and corrected per transaction. */
const PAGE_SIZE = 500;

const RECORD_COLUMNS = `r.organization_id, r.project_id, r.event_id, r.occurred_at, r.provider, r.model,
  r.input_tokens, r.output_tokens, r.cached_input_tokens, r.cache_write_tokens, r.cache_write_1h_tokens,
  r.reasoning_tokens, r.input_audio_tokens, r.cached_input_audio_tokens, r.output_audio_tokens,
  r.input_image_tokens, r.cached_input_image_tokens, r.output_image_tokens,
  r.cost::text AS cost, r.cost_status, r.price_entry_id, r.price_origin`;

interface RecordRow {
  organization_id: string;
  project_id: string;
  event_id: string;
  occurred_at: Date;
  provider: string;
  model: string;
  input_tokens: string;
  output_tokens: string;
  cached_input_tokens: string;
  cache_write_tokens: string;
  cache_write_1h_tokens: string;
  reasoning_tokens: string;
  input_audio_tokens: string;
  cached_input_audio_tokens: string;
  output_audio_tokens: string;
  input_image_tokens: string;
  cached_input_image_tokens: string;
  output_image_tokens: string;
  cost: string | null;
  cost_status: RecordCostData['status'];
  price_entry_id: string | null;
  price_origin: RecordCostData['priceOrigin'];
}

interface JobRow {
  id: string;
  organization_id: string | null;
  required_revision: string;
  scopes: RepriceScope[];
  scope_index: number;
  cursor: { occurredAt: string; projectId: string; eventId: string } | null;
}

/**
 * Appends the corrections price changes call for, in the background. Two sources of work, both written by the
 * projection in the same transaction as what caused them: repricing jobs (a catalog refresh, an override set or
 * removed), scanned page by page with a keyset cursor, and the queue of records that were priced while a price
 * was changing. Replicas share the work through `FOR UPDATE SKIP LOCKED`; corrections have content-derived ids and
 * the projection applies them against the current read model, so work done twice appends and changes nothing.
 */
export class Repricer implements BackgroundWorker {
  readonly name = 'repricer';
  private loop?: PollingLoopHandle;

  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly priceBook: PriceBook,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  async start(): Promise<void> {
    this.loop = startPollingLoop({
      round: () => this.runOnce(),
      intervalMs: this.intervalMs,
      logger: this.logger,
      failureMessage: 'repricing failed; retrying',
    });
  }

  async stop(): Promise<void> {
    await this.loop?.stop();
  }

  /** One unit of work, if there is any: a page of the queue or of the oldest job. */
  private async runOnce(): Promise<boolean> {
    return (await this.drainQueue()) || (await this.advanceJob());
  }

  private async drainQueue(): Promise<boolean> {
    return inTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<
        RecordRow & { q_project_id: string; q_event_id: string; q_occurred_at: Date; catalog_revision: string; overrides_revision: string }
      >(
        `SELECT q.project_id AS q_project_id, q.event_id AS q_event_id, q.occurred_at AS q_occurred_at,
           q.catalog_revision, q.overrides_revision, ${RECORD_COLUMNS}
         FROM ingestion.reprice_queue q
         LEFT JOIN ingestion.usage_records r ON r.project_id = q.project_id AND r.occurred_at = q.occurred_at AND r.event_id = q.event_id
         ORDER BY q.queued_at LIMIT $1 FOR UPDATE OF q SKIP LOCKED`,
        [PAGE_SIZE],
      );
      if (rows.length === 0) return false;
      const records = rows.filter((row) => row.event_id !== null);
      const minimum = new Map<string, { catalogRevision: number; overridesRevision: number }>();
      for (const row of records) {
        const known = minimum.get(row.organization_id);
        minimum.set(row.organization_id, {
          catalogRevision: Math.max(known?.catalogRevision ?? -1, Number(row.catalog_revision)),
          overridesRevision: Math.max(known?.overridesRevision ?? -1, Number(row.overrides_revision)),
        });
      }
      await this.correct(records, minimum, { kind: 'stale-pricing' }, 'stale-pricing');
      await tx.query(
        `DELETE FROM ingestion.reprice_queue q USING unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS d(project_id, event_id, occurred_at)
         WHERE q.project_id = d.project_id AND q.event_id = d.event_id AND q.occurred_at = d.occurred_at`,
        [rows.map((r) => r.q_project_id), rows.map((r) => r.q_event_id), rows.map((r) => r.q_occurred_at)],
      );
      return true;
    });
  }

  private async advanceJob(): Promise<boolean> {
    return inTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<JobRow>(
        `SELECT id, organization_id, required_revision, scopes, scope_index, cursor FROM ingestion.reprice_jobs
         WHERE done_at IS NULL ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
      );
      const job = rows[0];
      if (!job) return false;
      const scope = job.scopes[job.scope_index];
      if (!scope) {
        await tx.query('UPDATE ingestion.reprice_jobs SET done_at = now() WHERE id = $1', [job.id]);
        return true;
      }
      const page = await this.candidates(tx, scope, job.cursor);
      const required = Number(job.required_revision);
      const minimum = new Map(
        [...new Set(page.map((r) => r.organization_id))].map((org) => [
          org,
          job.organization_id === null
            ? { catalogRevision: required, overridesRevision: -1 }
            : { catalogRevision: -1, overridesRevision: required },
        ]),
      );
      await this.correct(page, minimum, { kind: 'price-change', pricingEventId: job.id }, job.id);
      const last = page.at(-1);
      const next =
        page.length < PAGE_SIZE || !last
          ? { scopeIndex: job.scope_index + 1, cursor: null }
          : {
              scopeIndex: job.scope_index,
              cursor: { occurredAt: last.occurred_at.toISOString(), projectId: last.project_id, eventId: last.event_id },
            };
      await tx.query('UPDATE ingestion.reprice_jobs SET scope_index = $2, cursor = $3::jsonb WHERE id = $1', [
        job.id,
        next.scopeIndex,
        next.cursor === null ? null : JSON.stringify(next.cursor),
      ]);
      return true;
    });
  }

  private async candidates(tx: PoolClient, scope: RepriceScope, cursor: JobRow['cursor']): Promise<RecordRow[]> {
    const params: unknown[] = [scope.providers, scope.statuses];
    const where = ['r.provider = ANY($1::text[])', 'r.cost_status = ANY($2::text[])'];
    const add = (value: unknown) => `$${params.push(value)}`;
    if (scope.organizationId !== null) where.push(`r.organization_id = ${add(scope.organizationId)}::uuid`);
    if (scope.from !== null) where.push(`r.occurred_at >= ${add(scope.from)}::timestamptz`);
    if (scope.to !== null) where.push(`r.occurred_at < ${add(scope.to)}::timestamptz`);
    if (scope.priceEntryIds !== null) where.push(`r.price_entry_id = ANY(${add(scope.priceEntryIds)}::text[])`);
    if (cursor) {
      where.push(
        `(r.occurred_at, r.project_id, r.event_id) > (${add(cursor.occurredAt)}::timestamptz, ${add(cursor.projectId)}::uuid, ${add(cursor.eventId)}::text)`,
      );
    }
    const { rows } = await tx.query<RecordRow>(
      `SELECT ${RECORD_COLUMNS} FROM ingestion.usage_records r WHERE ${where.join(' AND ')}
       ORDER BY r.occurred_at, r.project_id, r.event_id LIMIT ${PAGE_SIZE}`,
      params,
    );
    return rows;
  }

  private async correct(
    rows: RecordRow[],
    minimum: Map<string, { catalogRevision: number; overridesRevision: number }>,
    reason: UsageRepricedData['reason'],
    correlationId: string,
  ): Promise<void> {
    const snapshots = new Map<string, PricingSnapshot>();
    for (const [organizationId, revisions] of minimum) {
      snapshots.set(organizationId, await this.priceBook.snapshot(trustedScope(organizationId), revisions));
    }
    const groups = correctionsFor(rows.map(toRecord), (record) =>
      priceUsage(
        { provider: record.provider, model: record.model, timestamp: record.timestamp, usage: record.usage },
        snapshots.get(record.organizationId)!,
      ),
    );
    for (const group of groups) {
      const metadata: EventMetadata = {
        actor: { type: 'system', id: 'ingestion-repricer' },
        organizationId: group.organizationId,
        projectId: group.projectId,
        correlationId,
        ...(reason.kind === 'price-change' ? { causationId: reason.pricingEventId } : {}),
      };
      // The ledger, not an aggregate: appended at any revision, idempotent by the correction's content-derived id.
      await this.store.appendToStream(ingestionStreams.usage(group.projectId), [correctionEvent(group, reason, metadata)], {
        expectedRevision: 'any',
      });
      this.logger.info({ projectId: group.projectId, corrections: group.corrections.length, reason: reason.kind }, 'usage repriced');
    }
  }
}

/**
 * The correction event of one project. Its id is a hash of the corrections themselves: a run that stops after
 * appending and computes the same corrections again appends nothing new.
 */
export function correctionEvent(
  group: ProjectCorrections,
  reason: UsageRepricedData['reason'],
  metadata: EventMetadata,
): NewEvent<'UsageRepriced', UsageRepricedData> {
  const digest = createHash('sha256').update(JSON.stringify(group.corrections)).digest('hex');
  return {
    id: derivedEventId('UsageRepriced', group.projectId, digest),
    type: 'UsageRepriced',
    data: { organizationId: group.organizationId, projectId: group.projectId, reason, corrections: group.corrections },
    metadata,
  };
}

function toRecord(row: RecordRow): RecordToReprice {
  const n = (value: string) => Number(value);
  return {
    organizationId: row.organization_id,
    projectId: row.project_id,
    eventId: row.event_id,
    timestamp: row.occurred_at.toISOString(),
    provider: row.provider,
    model: row.model,
    usage: {
      inputTokens: n(row.input_tokens),
      outputTokens: n(row.output_tokens),
      cachedInputTokens: n(row.cached_input_tokens),
      cacheWriteTokens: n(row.cache_write_tokens),
      cacheWrite1hTokens: n(row.cache_write_1h_tokens),
      reasoningTokens: n(row.reasoning_tokens),
      inputAudioTokens: n(row.input_audio_tokens),
      cachedInputAudioTokens: n(row.cached_input_audio_tokens),
      outputAudioTokens: n(row.output_audio_tokens),
      inputImageTokens: n(row.input_image_tokens),
      cachedInputImageTokens: n(row.cached_input_image_tokens),
      outputImageTokens: n(row.output_image_tokens),
    },
    cost: {
      status: row.cost_status,
      amount: row.cost,
      currency: 'USD',
      priceEntryId: row.price_entry_id,
      priceOrigin: row.price_origin,
    },
  };
}
