import { Module } from '@nestjs/common';
import { TracesController } from './traces.controller';

/** Traces and sessions of a project, answered by the ingestion service (`ingestion.query.trace*`, `session*`). */
@Module({ controllers: [TracesController] })
export class TracesModule {}
