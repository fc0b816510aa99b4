import { Injectable, Module } from '@nestjs/common';
import { MasterKeyRing } from '@llmlab/crypto';
import { backgroundWorkers, masterKeyProvider, RUNTIME, type BackgroundWorker, type ServiceRuntime } from '@llmlab/service-kit';
import { AlertController } from './alerts/alert.controller';
import { AlertHandler } from './alerts/alert.handler';
import { AlertQueries } from './alerts/alert.queries';
import { AlertsCore } from './alerts.core';
import { BudgetController } from './budgets/budget.controller';
import { BudgetHandler } from './budgets/budget.handler';
import { BudgetQueries } from './budgets/budget.queries';
import { ChannelController } from './channels/channel.controller';
import { ChannelHandler } from './channels/channel.handler';
import { ChannelQueries } from './channels/channel.queries';
import { OwnerController } from './owners/owner.controller';
import { OwnerQueries } from './owners/owner.queries';
import { SettingsController } from './settings/settings.controller';
import { SettingsHandler } from './settings/settings.handler';
import { SettingsRepository } from './settings/settings.repository';

@Injectable()
class AlertsCoreWorker implements BackgroundWorker {
  readonly name = 'alerts core';
  constructor(private readonly core: AlertsCore) {}
  start(): Promise<void> {
    return this.core.start();
  }
  async stop(): Promise<void> {
    // The core's parts registered their own stops with the runtime when they started; the read-model client goes last.
    await this.core.prisma.$disconnect();
  }
}

const fromCore = <T>(provide: abstract new (...args: never[]) => T, pick: (core: AlertsCore) => T) => ({
  provide,
  inject: [AlertsCore],
  useFactory: pick,
});

/** The alerts service: owns budgets, alert rules, channels, fired alerts and deliveries. */
@Module({
  controllers: [BudgetController, SettingsController, ChannelController, AlertController, OwnerController],
  providers: [
    masterKeyProvider,
    {
      provide: AlertsCore,
      inject: [RUNTIME, MasterKeyRing],
      useFactory: (runtime: ServiceRuntime, masterKeys: MasterKeyRing) => new AlertsCore(runtime, masterKeys),
    },
    fromCore(BudgetHandler, (core) => core.budgetHandler),
    fromCore(BudgetQueries, (core) => core.budgetQueries),
    fromCore(SettingsHandler, (core) => core.settingsHandler),
    fromCore(SettingsRepository, (core) => core.settingsRepository),
    fromCore(ChannelHandler, (core) => core.channelHandler),
    fromCore(ChannelQueries, (core) => core.channelQueries),
    fromCore(AlertHandler, (core) => core.alertHandler),
    fromCore(AlertQueries, (core) => core.alertQueries),
    fromCore(OwnerQueries, (core) => core.ownerQueries),
    AlertsCoreWorker,
    backgroundWorkers(AlertsCoreWorker),
  ],
})
export class AlertsModule {}
