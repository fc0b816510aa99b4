import { Module } from '@nestjs/common';
import { UsageLedgerKeyClient } from '@llmlab/service-kit';
import { TrafficProjection } from './traffic.projection';
import { TrafficWorker } from './traffic.worker';

/** The traffic read model the recommenders, what-if and forecasts read: projected from the ingestion events. */
@Module({
  providers: [TrafficProjection, TrafficWorker, UsageLedgerKeyClient],
  exports: [TrafficProjection, TrafficWorker],
})
export class TrafficModule {}
