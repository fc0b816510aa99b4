import { Injectable } from '@nestjs/common';
import type { RouteTarget, RouteView } from '@llmlab/contracts';
import type { ProjectScope } from '@llmlab/domain';
import { PrismaClient } from '../read-models/prisma';
import { routeKey } from './route.decider';

export interface StoredRoute {
  routeId: string;
  /** The model name callers send. */
  model: string;
  /** Only calls tagged with this feature (`''`: calls without one); null: every call for the model. */
  feature: string | null;
  targets: RouteTarget[];
  timeoutMs: number | null;
  /** Opt-in exact-match response cache: answers kept this long; null, off. */
  cacheTtlSeconds: number | null;
}

/** The read model of routes: views for the API, and a project's routes by model and feature for the data path. */
@Injectable()
export class RoutesRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async list(scope: ProjectScope): Promise<RouteView[]> {
    const rows = await this.prisma.route.findMany({
      where: { projectId: scope.projectId, organizationId: scope.organizationId },
      orderBy: [{ model: 'asc' }, { feature: { sort: 'asc', nulls: 'first' } }],
    });
    return rows.map((row) => ({
      routeId: row.routeId,
      model: row.model,
      feature: row.feature,
      targets: row.targets as unknown as RouteTarget[],
      timeoutMs: row.timeoutMs,
      cacheTtlSeconds: row.cacheTtlSeconds,
      recommendationId: row.recommendationId,
      updatedAt: row.updatedAt.toISOString(),
      updatedBy: row.updatedBy,
    }));
  }

  /** Keyed by `routeKey(model, feature)`. */
  async byKey(projectId: string): Promise<Map<string, StoredRoute>> {
    const rows = await this.prisma.route.findMany({
      where: { projectId },
      select: { routeId: true, model: true, feature: true, targets: true, timeoutMs: true, cacheTtlSeconds: true },
    });
    return new Map(
      rows.map((row) => [
        routeKey(row.model, row.feature),
        {
          routeId: row.routeId,
          model: row.model,
          feature: row.feature,
          targets: row.targets as unknown as RouteTarget[],
          timeoutMs: row.timeoutMs,
          cacheTtlSeconds: row.cacheTtlSeconds,
        },
      ]),
    );
  }
}
