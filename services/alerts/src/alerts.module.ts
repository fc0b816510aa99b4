import { Module } from '@nestjs/common';
import { ReadModelsModule } from './read-models/read-models.module';

/** The alerts service: owns budgets, alert rules, channels, fired alerts and deliveries. */
@Module({ imports: [ReadModelsModule] })
export class AlertsModule {}
