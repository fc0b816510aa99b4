import { Inject, Injectable } from '@nestjs/common';
import type { CostBucket, ProviderSyncContextEvent, RecordedEvent, UsageBucket } from '@llmlab/contracts';
import { assertUnreachable } from '@llmlab/domain';
import { applyInTransaction, type ProjectionRef } from '@llmlab/messaging';
import { PG_POOL } from '@llmlab/service-kit';
import type { Pool, PoolClient } from 'pg';

/** The projection that builds every provider-sync read model, and the name of its checkpoint row. */
export const PROVIDER_SYNC_READ_MODELS: ProjectionRef = { schema: 'provider_sync', projection: 'read-models' };

/** Rows per INSERT: far below PostgreSQL's 65,535 bind parameters at 13 a row. */
const CHUNK = 500;

interface BucketOwner {
  connectionId: string;
  organizationId: string;
  provider: string;
  /** The event's recorded time, so a rebuild writes the same rows. */
  at: string;
}

/**
 * Applies the provider-sync events, in order, to the connections, sync runs and imported cost and usage buckets,
 * each with the checkpoint in the same transaction: a redelivery changes nothing, and replaying the events from
 * the start onto empty tables builds the same rows.
 */
@Injectable()
export class ProviderSyncProjection {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  apply(event: RecordedEvent): Promise<boolean> {
    return applyInTransaction(this.pool, PROVIDER_SYNC_READ_MODELS, event, (tx) => write(tx, event));
  }
}

async function write(tx: PoolClient, recorded: RecordedEvent): Promise<void> {
  const event = { type: recorded.type, data: recorded.data } as ProviderSyncContextEvent;
  const revision = recorded.revision;
  switch (event.type) {
    case 'ProviderConnectionRegistered': {
      const d = event.data;
      await tx.query(
        `INSERT INTO provider_sync.connections (connection_id, organization_id, provider, name, base_url, key_hint, mappings, sync_enabled,
           revision, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (connection_id) DO NOTHING`,
        [
          d.connectionId,
          d.organizationId,
          d.provider,
          d.name,
          d.baseUrl,
          d.keyHint,
          JSON.stringify(d.mappings),
          d.syncEnabled,
          revision,
          d.registeredAt,
        ],
      );
      return;
    }
    case 'ProviderConnectionRenamed':
      return updateConnection(tx, event.data.connectionId, revision, 'name', event.data.name);
    case 'ProviderConnectionCredentialsRotated':
      // The sealed credentials stay in the event store: the read model keeps the hint only.
      return updateConnection(tx, event.data.connectionId, revision, 'key_hint', event.data.keyHint);
    case 'ProviderConnectionMappingsChanged':
      return updateConnection(tx, event.data.connectionId, revision, 'mappings', JSON.stringify(event.data.mappings));
    case 'ProviderConnectionSyncEnabledChanged':
      return updateConnection(tx, event.data.connectionId, revision, 'sync_enabled', event.data.syncEnabled);
    case 'ProviderConnectionRemoved':
      return updateConnection(tx, event.data.connectionId, revision, 'removed', true);
    case 'ProviderSyncRunStarted': {
      const d = event.data;
      await tx.query(
        `INSERT INTO provider_sync.sync_runs (run_id, connection_id, organization_id, provider, range_from, range_to, trigger, status, started_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'running', $8) ON CONFLICT (run_id) DO NOTHING`,
        [d.runId, d.connectionId, d.organizationId, d.provider, d.from, d.to, d.trigger, d.startedAt],
      );
      return;
    }
    case 'ProviderCostsImported':
    case 'ProviderCostsCorrected':
      await upsertCosts(tx, { ...event.data, at: recorded.recordedAt }, event.data.buckets);
      return countPage(tx, event.data.runId, event.data.page, event.data.buckets.length);
    case 'ProviderUsageImported':
      await upsertUsage(tx, { ...event.data, at: recorded.recordedAt }, event.data.buckets);
      return countPage(tx, event.data.runId, event.data.page, event.data.buckets.length);
    case 'ProviderSyncRunCompleted': {
      const d = event.data;
      await finishRun(tx, d.runId, 'completed', d.pagesFetched, d.rowsImported, null, d.completedAt);
      // A completed run covers its whole range: the connection's imports are complete up to the latest such end.
      await tx.query(
        `UPDATE provider_sync.connections c SET synced_until = GREATEST(c.synced_until, r.range_to)
           FROM provider_sync.sync_runs r WHERE r.run_id = $1 AND c.connection_id = r.connection_id`,
        [d.runId],
      );
      return;
    }
    case 'ProviderSyncRunFailed': {
      const d = event.data;
      return finishRun(tx, d.runId, 'failed', d.pagesFetched, d.rowsImported, d.error, d.failedAt);
    }
    case 'ReconciliationDiscrepancyDetected':
    case 'ReconciliationSettingsUpdated':
      // No read model: the settings are folded from their own short stream when read, and the discrepancies are
      // the alerts service's input (its consumer `alerts-reconciliation`).
      return;
    default:
      return assertUnreachable(event);
  }
}

function updateConnection(
  tx: PoolClient,
  connectionId: string,
  revision: number,
  column: 'name' | 'key_hint' | 'mappings' | 'sync_enabled' | 'removed',
  value: unknown,
): Promise<void> {
  return tx
    .query(`UPDATE provider_sync.connections SET ${column} = $2, revision = $3 WHERE connection_id = $1`, [connectionId, value, revision])
    .then(() => undefined);
}

/** A page's buckets counted into its run as they arrive, so a running run shows its progress. */
async function countPage(tx: PoolClient, runId: string, page: number, rows: number): Promise<void> {
  await tx.query(
    `UPDATE provider_sync.sync_runs SET rows_imported = rows_imported + $2, pages_fetched = GREATEST(pages_fetched, $3) WHERE run_id = $1`,
    [runId, rows, page],
  );
}

/** The run's final figures are the event's: they count every page of the run, before and after a resume. */
async function finishRun(
  tx: PoolClient,
  runId: string,
  status: 'completed' | 'failed',
  pagesFetched: number,
  rowsImported: number,
  error: string | null,
  at: string,
): Promise<void> {
  await tx.query(
    `UPDATE provider_sync.sync_runs SET status = $2, pages_fetched = $3, rows_imported = $4, error = $5, finished_at = $6 WHERE run_id = $1`,
    [runId, status, pagesFetched, rowsImported, error, at],
  );
}

async function upsertCosts(tx: PoolClient, owner: BucketOwner, buckets: CostBucket[]): Promise<void> {
  for (let start = 0; start < buckets.length; start += CHUNK) {
    const chunk = buckets.slice(start, start + CHUNK);
    const values: unknown[] = [];
    const rows = chunk.map((b, i) => {
      values.push(
        owner.connectionId,
        b.day,
        b.externalProjectId ?? '',
        b.model ?? '',
        b.lineItem ?? '',
        owner.organizationId,
        owner.provider,
        b.projectId,
        b.amount,
        owner.at,
      );
      const o = i * 10;
      return `($${o + 1}::uuid, $${o + 2}::date, $${o + 3}, $${o + 4}, $${o + 5}, $${o + 6}::uuid, $${o + 7}, $${o + 8}::uuid, $${o + 9}::numeric, $${o + 10}::timestamptz)`;
    });
    await tx.query(
      `INSERT INTO provider_sync.cost_buckets (connection_id, day, external_project_id, model, line_item, organization_id, provider, project_id, amount,
         updated_at)
       VALUES ${rows.join(',')}
       ON CONFLICT (connection_id, day, external_project_id, model, line_item)
       DO UPDATE SET amount = EXCLUDED.amount, project_id = EXCLUDED.project_id, updated_at = EXCLUDED.updated_at`,
      values,
    );
  }
}

async function upsertUsage(tx: PoolClient, owner: BucketOwner, buckets: UsageBucket[]): Promise<void> {
  for (let start = 0; start < buckets.length; start += CHUNK) {
    const chunk = buckets.slice(start, start + CHUNK);
    const values: unknown[] = [];
    const rows = chunk.map((b, i) => {
      values.push(
        owner.connectionId,
        b.day,
        b.externalProjectId ?? '',
        b.model ?? '',
        b.kind,
        owner.organizationId,
        owner.provider,
        b.projectId,
        b.inputTokens,
        b.outputTokens,
        b.cachedInputTokens,
        b.requests,
        owner.at,
      );
      const o = i * 13;
      return `($${o + 1}::uuid, $${o + 2}::date, $${o + 3}, $${o + 4}, $${o + 5}, $${o + 6}::uuid, $${o + 7}, $${o + 8}::uuid, $${o + 9}::bigint, $${o + 10}::bigint, $${o + 11}::bigint, $${o + 12}::bigint, $${o + 13}::timestamptz)`;
    });
    await tx.query(
      `INSERT INTO provider_sync.usage_buckets (connection_id, day, external_project_id, model, kind, organization_id, provider, project_id,
         input_tokens, output_tokens, cached_tokens, requests, updated_at)
       VALUES ${rows.join(',')}
       ON CONFLICT (connection_id, day, external_project_id, model, kind)
       DO UPDATE SET project_id = EXCLUDED.project_id, input_tokens = EXCLUDED.input_tokens, output_tokens = EXCLUDED.output_tokens,
         cached_tokens = EXCLUDED.cached_tokens, requests = EXCLUDED.requests, updated_at = EXCLUDED.updated_at`,
      values,
    );
  }
}
