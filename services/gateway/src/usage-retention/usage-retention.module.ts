import { Module } from '@nestjs/common';
import { UsageRetentionController } from './usage-retention.controller';

/** How long an organization keeps its usage detail, answered by the ingestion service. */
@Module({ controllers: [UsageRetentionController] })
export class UsageRetentionModule {}
