import { Injectable } from '@nestjs/common';
import type { RouteTarget, RouteView } from '@llmlab/contracts';
import type { ProjectScope } from '@llmlab/domain';
import { PrismaClient } from '../read-models/prisma';

export interface StoredRoute {
  /** The model name callers send. */
  model: string;
  targets: RouteTarget[];
  timeoutMs: number | null;
  /** Opt-in exact-match response cache: answers kept this long; null, off. */
  cacheTtlSeconds: number | null;
}

/** The read model of routes: views for the API, and a project's routes by model name for the data path. */
@Injectable()
export class RoutesRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async list(scope: ProjectScope): Promise<RouteView[]> {
    const rows = await this.prisma.route.findMany({
      where: { projectId: scope.projectId, organizationId: scope.organizationId },
      orderBy: { model: 'asc' },
    });
    return rows.map((row) => ({
      routeId: row.routeId,
      model: row.model,
      targets: row.targets as unknown as RouteTarget[],
      timeoutMs: row.timeoutMs,
      cacheTtlSeconds: row.cacheTtlSeconds,
      updatedAt: row.updatedAt.toISOString(),
      updatedBy: row.updatedBy,
    }));
  }

  async byModel(projectId: string): Promise<Map<string, StoredRoute>> {
    const rows = await this.prisma.route.findMany({
      where: { projectId },
      select: { model: true, targets: true, timeoutMs: true, cacheTtlSeconds: true },
    });
    return new Map(
      rows.map((row) => [
        row.model,
        {
          model: row.model,
          targets: row.targets as unknown as RouteTarget[],
          timeoutMs: row.timeoutMs,
          cacheTtlSeconds: row.cacheTtlSeconds,
        },
      ]),
    );
  }
}
