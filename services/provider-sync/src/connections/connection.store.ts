import { Injectable } from '@nestjs/common';
import type { ProviderConnectionView, ProviderSyncEvent, SyncRunView } from '@llmlab/contracts';
import { PrismaClient } from '../read-models/prisma';
import type { ConnectionState } from './connection.decider';
import type { ImportsState } from '../sync/imports.decider';

/**
 * Writes the provider-sync read models from the state and events the command just produced (idempotent upserts, so
 * writing the same again changes nothing; a resumed run rewrites the whole folded import state first).
 */
@Injectable()
export class ConnectionStore {
  constructor(readonly prisma: PrismaClient) {}

  async saveConnection(state: ConnectionState, revision: number): Promise<void> {
    const data = {
      organizationId: state.organizationId,
      provider: state.provider ?? '',
      name: state.name,
      baseUrl: state.baseUrl,
      keyHint: state.keyHint,
      mappings: state.mappings as unknown as object,
      syncEnabled: state.syncEnabled,
      revision,
      createdAt: new Date(state.createdAt),
      removed: state.removed,
    };
    await this.prisma.connection.upsert({
      where: { connectionId: state.connectionId },
      create: { connectionId: state.connectionId, ...data },
      update: data,
    });
  }

  async applyImports(events: ProviderSyncEvent[], state: ImportsState): Promise<void> {
    for (const event of events) {
      switch (event.type) {
        case 'ProviderSyncRunStarted': {
          const d = event.data;
          await this.prisma.syncRun.upsert({
            where: { runId: d.runId },
            create: {
              runId: d.runId,
              connectionId: d.connectionId,
              organizationId: d.organizationId,
              provider: d.provider,
              rangeFrom: new Date(d.from),
              rangeTo: new Date(d.to),
              trigger: d.trigger,
              status: 'running',
              startedAt: new Date(d.startedAt),
            },
            update: {},
          });
          break;
        }
        case 'ProviderCostsImported':
        case 'ProviderCostsCorrected':
          await this.upsertCosts(state, event.data.buckets);
          break;
        case 'ProviderUsageImported':
          await this.upsertUsage(state, event.data.buckets);
          break;
        case 'ProviderSyncRunCompleted':
        case 'ProviderSyncRunFailed':
          await this.finishRun(state, event.data.runId);
          break;
        default:
          break;
      }
    }
  }

  /** Writes how a run ended, from the folded state; a completed run moves the connection's synced-until. */
  async finishRun(state: ImportsState, runId: string): Promise<void> {
    const run = state.runs.get(runId);
    if (!run || run.status === 'running') return;
    await this.prisma.syncRun.update({
      where: { runId },
      data: {
        status: run.status,
        pagesFetched: run.pagesFetched,
        rowsImported: run.rowsImported,
        error: run.error,
        finishedAt: run.finishedAt ? new Date(run.finishedAt) : null,
      },
    });
    if (run.status === 'completed')
      await this.prisma.connection.updateMany({
        where: { connectionId: state.connectionId },
        data: { syncedUntil: new Date(state.watermark ?? run.to) },
      });
  }

  /** Rewrites every bucket of the folded state (after a crash between an append and its read-model write). */
  async rewriteAll(state: ImportsState): Promise<void> {
    const costs = [...state.costs.values()];
    for (let i = 0; i < costs.length; i += 500) await this.upsertCosts(state, costs.slice(i, i + 500));
    const usage = [...state.usage.values()];
    for (let i = 0; i < usage.length; i += 500) await this.upsertUsage(state, usage.slice(i, i + 500));
  }

  private async upsertCosts(state: ImportsState, buckets: ImportsState['costs'] extends Map<string, infer B> ? B[] : never): Promise<void> {
    if (!buckets.length) return;
    const values: unknown[] = [];
    const rows = buckets.map((b, i) => {
      values.push(
        state.connectionId,
        b.day,
        b.externalProjectId ?? '',
        b.model ?? '',
        b.lineItem ?? '',
        state.organizationId,
        state.provider,
        b.projectId,
        b.amount,
      );
      const o = i * 9;
      return `($${o + 1}::uuid, $${o + 2}::date, $${o + 3}, $${o + 4}, $${o + 5}, $${o + 6}::uuid, $${o + 7}, $${o + 8}::uuid, $${o + 9}::numeric)`;
    });
    await this.prisma.$executeRawUnsafe(
      `INSERT INTO provider_sync.cost_buckets (connection_id, day, external_project_id, model, line_item, organization_id, provider, project_id, amount)
       VALUES ${rows.join(',')}
       ON CONFLICT (connection_id, day, external_project_id, model, line_item)
       DO UPDATE SET amount = EXCLUDED.amount, project_id = EXCLUDED.project_id, updated_at = now()`,
      ...values,
    );
  }

  private async upsertUsage(state: ImportsState, buckets: ImportsState['usage'] extends Map<string, infer B> ? B[] : never): Promise<void> {
    if (!buckets.length) return;
    const values: unknown[] = [];
    const rows = buckets.map((b, i) => {
      values.push(
        state.connectionId,
        b.day,
        b.externalProjectId ?? '',
        b.model ?? '',
        b.kind,
        state.organizationId,
        state.provider,
        b.projectId,
        b.inputTokens,
        b.outputTokens,
        b.cachedInputTokens,
        b.requests,
      );
      const o = i * 12;
      return `($${o + 1}::uuid, $${o + 2}::date, $${o + 3}, $${o + 4}, $${o + 5}, $${o + 6}::uuid, $${o + 7}, $${o + 8}::uuid, $${o + 9}::bigint, $${o + 10}::bigint, $${o + 11}::bigint, $${o + 12}::bigint)`;
    });
    await this.prisma.$executeRawUnsafe(
      `INSERT INTO provider_sync.usage_buckets (connection_id, day, external_project_id, model, kind, organization_id, provider, project_id, input_tokens, output_tokens, cached_tokens, requests)
       VALUES ${rows.join(',')}
       ON CONFLICT (connection_id, day, external_project_id, model, kind)
       DO UPDATE SET project_id = EXCLUDED.project_id, input_tokens = EXCLUDED.input_tokens, output_tokens = EXCLUDED.output_tokens,
         cached_tokens = EXCLUDED.cached_tokens, requests = EXCLUDED.requests, updated_at = now()`,
      ...values,
    );
  }

  async view(organizationId: string, connectionId: string): Promise<ProviderConnectionView | null> {
    const row = await this.prisma.connection.findFirst({ where: { connectionId, organizationId, removed: false } });
    return row ? toView(row) : null;
  }

  async list(organizationId: string): Promise<ProviderConnectionView[]> {
    const rows = await this.prisma.connection.findMany({ where: { organizationId, removed: false }, orderBy: { createdAt: 'asc' } });
    return rows.map(toView);
  }

  async runs(organizationId: string, connectionId: string): Promise<SyncRunView[]> {
    const rows = await this.prisma.syncRun.findMany({ where: { organizationId, connectionId }, orderBy: { startedAt: 'desc' }, take: 100 });
    return rows.map((r) => ({
      runId: r.runId,
      connectionId: r.connectionId,
      from: r.rangeFrom.toISOString(),
      to: r.rangeTo.toISOString(),
      trigger: r.trigger as SyncRunView['trigger'],
      status: r.status as SyncRunView['status'],
      pagesFetched: r.pagesFetched,
      rowsImported: r.rowsImported,
      error: r.error,
      startedAt: r.startedAt.toISOString(),
      finishedAt: r.finishedAt?.toISOString() ?? null,
    }));
  }
}

type ConnectionRow = Awaited<ReturnType<PrismaClient['connection']['findFirstOrThrow']>>;

function toView(row: ConnectionRow): ProviderConnectionView {
  return {
    connectionId: row.connectionId,
    organizationId: row.organizationId,
    provider: row.provider as ProviderConnectionView['provider'],
    name: row.name,
    baseUrl: row.baseUrl,
    keyHint: row.keyHint,
    mappings: row.mappings as unknown as ProviderConnectionView['mappings'],
    syncEnabled: row.syncEnabled,
    revision: row.revision,
    createdAt: row.createdAt.toISOString(),
    syncedUntil: row.syncedUntil?.toISOString() ?? null,
  };
}
