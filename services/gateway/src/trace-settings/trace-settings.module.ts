import { Module } from '@nestjs/common';
import { ContentErasureController, TraceSettingsController } from './trace-settings.controller';

/** Content capture settings and erasure of captured content, answered by the ingestion service. */
@Module({ controllers: [TraceSettingsController, ContentErasureController] })
export class TraceSettingsModule {}
