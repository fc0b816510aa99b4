import { Module } from '@nestjs/common';
import { ReadModelsModule } from './read-models/read-models.module';

/** The audit service: owns nothing new: it guards the event store and serves the audit query index. */
@Module({ imports: [ReadModelsModule] })
export class AuditModule {}
