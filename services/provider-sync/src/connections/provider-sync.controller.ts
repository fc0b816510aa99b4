import { providerSyncSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { organizationScope } from '@llmlab/domain';
import { handleRequest } from '@llmlab/messaging';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ProviderCostsQueries } from '../sync/provider-costs.queries';
import { SyncRunner } from '../sync/sync.runner';
import { ConnectionsHandler } from './connections.handler';
import { ConnectionsRepository } from './connections.repository';

@Controller()
export class ProviderSyncController {
  constructor(
    private readonly connections: ConnectionsHandler,
    private readonly repository: ConnectionsRepository,
    private readonly sync: SyncRunner,
    private readonly costs: ProviderCostsQueries,
  ) {}

  @MessagePattern(s.registerConnection.subject)
  register(@Payload() e: RequestEnvelope<RequestOf<typeof s.registerConnection>>) {
    return handleRequest(s.registerConnection, e, (p, ctx) => this.connections.register(p, ctx));
  }

  @MessagePattern(s.listConnections.subject)
  list(@Payload() e: RequestEnvelope<RequestOf<typeof s.listConnections>>) {
    return handleRequest(s.listConnections, e, (_p, ctx) => this.connections.list(ctx));
  }

  @MessagePattern(s.getConnection.subject)
  get(@Payload() e: RequestEnvelope<RequestOf<typeof s.getConnection>>) {
    return handleRequest(s.getConnection, e, (p, ctx) => this.connections.get(p.connectionId, ctx));
  }

  @MessagePattern(s.updateConnection.subject)
  update(@Payload() e: RequestEnvelope<RequestOf<typeof s.updateConnection>>) {
    return handleRequest(s.updateConnection, e, (p, ctx) => this.connections.update(p, ctx));
  }

  @MessagePattern(s.removeConnection.subject)
  remove(@Payload() e: RequestEnvelope<RequestOf<typeof s.removeConnection>>) {
    return handleRequest(s.removeConnection, e, (p, ctx) => this.connections.remove(p.connectionId, ctx));
  }

  @MessagePattern(s.testConnection.subject)
  test(@Payload() e: RequestEnvelope<RequestOf<typeof s.testConnection>>) {
    return handleRequest(s.testConnection, e, (p, ctx) => this.connections.test(p.connectionId, ctx));
  }

  @MessagePattern(s.resolveOwner.subject)
  owner(@Payload() e: RequestEnvelope<RequestOf<typeof s.resolveOwner>>) {
    return handleRequest(s.resolveOwner, e, (p) => this.connections.owner(p.connectionId));
  }

  @MessagePattern(s.startSync.subject)
  startSync(@Payload() e: RequestEnvelope<RequestOf<typeof s.startSync>>) {
    return handleRequest(s.startSync, e, (p, ctx) => this.sync.start(p, ctx));
  }

  @MessagePattern(s.listRuns.subject)
  runs(@Payload() e: RequestEnvelope<RequestOf<typeof s.listRuns>>) {
    return handleRequest(s.listRuns, e, async (p, ctx) => {
      const scope = organizationScope(ctx);
      await this.connections.state(p.connectionId, scope.organizationId);
      return this.repository.runs(scope.organizationId, p.connectionId);
    });
  }

  @MessagePattern(s.providerCosts.subject)
  providerCosts(@Payload() e: RequestEnvelope<RequestOf<typeof s.providerCosts>>) {
    return handleRequest(s.providerCosts, e, (p, ctx) => this.costs.report(organizationScope(ctx), p));
  }
}
