import { Module, type OnModuleInit } from '@nestjs/common';
import { ingestionSubjects } from '@llmlab/contracts';
import { httpStatusOfWireCode } from '../http/error-status';
import { ServiceReplyError } from '../http/problem';
import { ResourceOwners } from '../identity/resource-owners';
import { ServiceClient } from '../messaging/service-client';
import { EndUsersController } from './end-users.controller';
import { UsageImportController } from './usage-import.controller';
import { UsageImportService } from './usage-import.service';
import { UsageIngestService } from './usage-ingest.service';
import { UsageIngestController, UsageRecordsController } from './usage.controller';

/**
 * Usage in (`POST /v1/usage`, to the JetStream ingest buffer; file imports, to the object store), and out (records,
 * export) of the ingestion service. `/v1/usage/imports/{importId}` is authorized in the organization owning the
 * import, which the ingestion service names (`ingestion.query.usage-import-owner`).
 */
@Module({
  controllers: [UsageIngestController, UsageRecordsController, UsageImportController, EndUsersController],
  providers: [UsageIngestService, UsageImportService],
  exports: [UsageIngestService],
})
export class UsageModule implements OnModuleInit {
  constructor(
    private readonly owners: ResourceOwners,
    private readonly client: ServiceClient,
  ) {}

  onModuleInit(): void {
    this.owners.register('importId', 'usage import', async (id, correlationId) => {
      const reply = await this.client.ask(ingestionSubjects.usageImportOwner, { importId: id }, { correlationId });
      if (reply.ok) return reply.data.organizationId;
      if (httpStatusOfWireCode(reply.error.code) === 404) return null;
      throw new ServiceReplyError(reply.error);
    });
  }
}
