import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { routeStreams, type RequestContext, type RouteView, type SetRouteRequest } from '@llmlab/contracts';
import { isUuid, projectScope } from '@llmlab/domain';
import { WriteEffects } from '@llmlab/messaging';
import { CommandRunner, metadataFromContext } from '@llmlab/service-kit';
import { routeNotFound } from '../proxy.errors';
import { routeDecider, routeKey } from './route.decider';
import { RoutesRepository } from './routes.repository';

const actorOf = (context: RequestContext) => (context.actor ? `${context.actor.type}:${context.actor.id}` : 'system:proxy');

/** A project's routes: set (create or replace by model name and feature) and remove, one event stream per project. */
@Injectable()
export class RoutesHandler {
  constructor(
    private readonly runner: CommandRunner,
    private readonly effects: WriteEffects,
    private readonly repository: RoutesRepository,
  ) {}

  async set(request: SetRouteRequest, context: RequestContext): Promise<RouteView> {
    const scope = projectScope(context);
    const at = new Date().toISOString();
    const result = await this.runner.run(
      routeStreams.routes(scope.projectId),
      routeDecider,
      {
        type: 'SetRoute',
        data: {
          newRouteId: uuidv7(),
          organizationId: scope.organizationId,
          projectId: scope.projectId,
          request,
          actorId: actorOf(context),
          at,
        },
      },
      { metadata: metadataFromContext() },
    );
    await this.effects.settle(result.position);
    const route = result.state.routes.get(routeKey(String(request.model), typeof request.feature === 'string' ? request.feature : null))!;
    const view = (await this.repository.list(scope)).find((r) => r.routeId === route.routeId);
    return (
      view ?? {
        routeId: route.routeId,
        model: route.model,
        feature: route.feature,
        targets: route.targets,
        timeoutMs: route.timeoutMs,
        cacheTtlSeconds: route.cacheTtlSeconds,
        recommendationId: route.recommendationId,
        updatedAt: at,
        updatedBy: actorOf(context),
      }
    );
  }

  list(context: RequestContext): Promise<RouteView[]> {
    return this.repository.list(projectScope(context));
  }

  async remove(request: { routeId: string }, context: RequestContext): Promise<Record<string, never>> {
    const scope = projectScope(context);
    if (!isUuid(request.routeId)) throw routeNotFound();
    const result = await this.runner.run(
      routeStreams.routes(scope.projectId),
      routeDecider,
      {
        type: 'RemoveRoute',
        data: {
          routeId: request.routeId,
          organizationId: scope.organizationId,
          projectId: scope.projectId,
          actorId: actorOf(context),
          at: new Date().toISOString(),
        },
      },
      { metadata: metadataFromContext() },
    );
    await this.effects.settle(result.position);
    return {};
  }
}
