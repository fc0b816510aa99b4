import { Module, type OnModuleInit } from '@nestjs/common';
import { providerSyncSubjects } from '@llmlab/contracts';
import { httpStatusOfWireCode } from '../http/error-status';
import { ServiceReplyError } from '../http/problem';
import { ResourceOwners } from '../identity/resource-owners';
import { ServiceClient } from '../messaging/service-client';
import { OrganizationProvidersController, ProvidersController } from './provider-sync.controller';

/**
 * Provider connections, their syncs and the imported costs. `/v1/providers/{connectionId}` is authorized in the
 * organization that owns the connection, which provider-sync names (`provider-sync.query.resolve-connection-owner`).
 */
@Module({ controllers: [OrganizationProvidersController, ProvidersController] })
export class ProviderSyncRoutesModule implements OnModuleInit {
  constructor(
    private readonly owners: ResourceOwners,
    private readonly client: ServiceClient,
  ) {}

  onModuleInit(): void {
    this.owners.register('connectionId', 'provider connection', async (id, correlationId) => {
      const reply = await this.client.ask(providerSyncSubjects.resolveOwner, { connectionId: id }, { correlationId });
      if (reply.ok) return reply.data.organizationId;
      if (httpStatusOfWireCode(reply.error.code) === 404) return null;
      throw new ServiceReplyError(reply.error);
    });
  }
}
