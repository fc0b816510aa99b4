import { Module } from '@nestjs/common';
import { UsageIngestService } from './usage-ingest.service';
import { UsageIngestController, UsageRecordsController } from './usage.controller';

/** Usage in (`POST /v1/usage`, to the JetStream ingest buffer) and out (records, export) of the ingestion service. */
@Module({
  controllers: [UsageIngestController, UsageRecordsController],
  providers: [UsageIngestService],
})
export class UsageModule {}
