import { Module } from '@nestjs/common';
import { UsageModule } from '../usage/usage.module';
import { OtlpController } from './otlp.controller';
import { OtlpIngestService } from './otlp-ingest.service';

/** OpenTelemetry intake: `POST /v1/otlp/v1/traces`, to the JetStream ingest buffer beside usage events. */
@Module({
  imports: [UsageModule],
  controllers: [OtlpController],
  providers: [OtlpIngestService],
})
export class OtlpModule {}
