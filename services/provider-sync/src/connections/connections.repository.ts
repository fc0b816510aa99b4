import { Injectable } from '@nestjs/common';
import type { ProviderConnectionView, SyncRunView } from '@llmlab/contracts';
import { PrismaClient } from '../read-models/prisma';

/**
 * Reads the connections and sync runs read models (written by the projection only). Tenant-facing reads take the
 * organization first; the rest serve the service's own background work.
 */
@Injectable()
export class ConnectionsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async view(organizationId: string, connectionId: string): Promise<ProviderConnectionView | null> {
    const row = await this.prisma.connection.findFirst({ where: { connectionId, organizationId, removed: false } });
    return row ? toView(row) : null;
  }

  async list(organizationId: string): Promise<ProviderConnectionView[]> {
    const rows = await this.prisma.connection.findMany({ where: { organizationId, removed: false }, orderBy: { createdAt: 'asc' } });
    return rows.map(toView);
  }

  /** The organization owning a connection that is not removed, for the gateway's tenant check. */
  async owner(connectionId: string): Promise<string | null> {
    const row = await this.prisma.connection.findFirst({ where: { connectionId, removed: false }, select: { organizationId: true } });
    return row?.organizationId ?? null;
  }

  /** Connections the daily schedule syncs. */
  syncEnabled(): Promise<{ connectionId: string; organizationId: string }[]> {
    return this.prisma.connection.findMany({
      where: { removed: false, syncEnabled: true },
      select: { connectionId: true, organizationId: true },
    });
  }

  /** Runs still running as far as the events say (a previous process may have left them). */
  running(): Promise<{ runId: string; connectionId: string }[]> {
    return this.prisma.syncRun.findMany({ where: { status: 'running' }, select: { runId: true, connectionId: true } });
  }

  /** A run's organization and range. */
  run(runId: string): Promise<{ organizationId: string; rangeFrom: Date; rangeTo: Date } | null> {
    return this.prisma.syncRun.findUnique({ where: { runId }, select: { organizationId: true, rangeFrom: true, rangeTo: true } });
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
