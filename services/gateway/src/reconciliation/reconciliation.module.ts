import { Module } from '@nestjs/common';
import { ReconciliationController, ReconciliationSettingsController } from './reconciliation.controller';

/** Provider-sync's reconciliation of billed and recorded spend, and its tolerance, for an organization. */
@Module({ controllers: [ReconciliationController, ReconciliationSettingsController] })
export class ReconciliationModule {}
