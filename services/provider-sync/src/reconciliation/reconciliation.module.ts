import { Module, type DynamicModule, type ModuleMetadata, type Type } from '@nestjs/common';
import { createMessagingClient, type MessagingClient } from '@llmlab/messaging';
import { SERVICE_CONFIG, type DomainServiceConfig } from '@llmlab/service-kit';
import { BilledSpendReader } from './billed-spend.reader';
import { ReconciliationSettingsModule } from './reconciliation-settings.module';
import { ReconciliationController } from './reconciliation.controller';
import { RECORDED_SPEND_CLIENT, ReconciliationQueries } from './reconciliation.queries';
import { ReconciliationReporter } from './reconciliation.reporter';
import { RecordedSpendClient } from './recorded-spend.client';

const INGESTION_CLIENT = Symbol('INGESTION_CLIENT');

/**
 * Reconciliation of what the providers billed (this service's imports, read by `reader` over the imported-costs
 * read model) with what ingestion recorded (asked on its subject, never read from its schema), and the
 * discrepancies reported after a sync (`ReconciliationReporter`, exported for the sync to call).
 */
@Module({})
export class ReconciliationModule {
  static withBilledSpend(reader: Type<BilledSpendReader>, imports: ModuleMetadata['imports'] = []): DynamicModule {
    return {
      module: ReconciliationModule,
      imports: [ReconciliationSettingsModule, ...imports],
      controllers: [ReconciliationController],
      providers: [
        {
          // A client of its own: the request/reply side of a service is a server; asking another service needs a client.
          provide: INGESTION_CLIENT,
          inject: [SERVICE_CONFIG],
          useFactory: (config: DomainServiceConfig): MessagingClient =>
            createMessagingClient({ servers: config.NATS_URL, name: 'llmlab-provider-sync', defaultTimeoutMs: 15_000 }),
        },
        {
          provide: RECORDED_SPEND_CLIENT,
          inject: [INGESTION_CLIENT, SERVICE_CONFIG],
          useFactory: (client: MessagingClient, config: DomainServiceConfig) => new RecordedSpendClient(client, config.NATS_PREFIX),
        },
        { provide: BilledSpendReader, useClass: reader },
        ReconciliationQueries,
        ReconciliationReporter,
      ],
      exports: [ReconciliationReporter],
    };
  }
}
