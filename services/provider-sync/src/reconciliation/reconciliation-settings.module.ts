import { Module } from '@nestjs/common';
import { ReconciliationSettingsHandler } from './reconciliation-settings.handler';
import { ReconciliationSettingsController } from './reconciliation.controller';

/** The organization's reconciliation tolerance (its own event stream, folded when read). */
@Module({
  controllers: [ReconciliationSettingsController],
  providers: [ReconciliationSettingsHandler],
  exports: [ReconciliationSettingsHandler],
})
export class ReconciliationSettingsModule {}
