import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
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

/** The alerts service: owns budgets, alert rules, channels, fired alerts and deliveries. */
@Module({})
export class AlertsModule implements OnApplicationShutdown {
  static forRoot(core: AlertsCore): DynamicModule {
    return {
      module: AlertsModule,
      controllers: [BudgetController, SettingsController, ChannelController, AlertController, OwnerController],
      providers: [
        { provide: AlertsCore, useValue: core },
        { provide: BudgetHandler, useValue: core.budgetHandler },
        { provide: BudgetQueries, useValue: core.budgetQueries },
        { provide: SettingsHandler, useValue: core.settingsHandler },
        { provide: SettingsRepository, useValue: core.settingsRepository },
        { provide: ChannelHandler, useValue: core.channelHandler },
        { provide: ChannelQueries, useValue: core.channelQueries },
        { provide: AlertHandler, useValue: core.alertHandler },
        { provide: AlertQueries, useValue: core.alertQueries },
        { provide: OwnerQueries, useValue: core.ownerQueries },
      ],
    };
  }

  constructor(@Inject(AlertsCore) private readonly core: AlertsCore) {}

  /** After the last request has been answered: the read-model client goes last. */
  async onApplicationShutdown(): Promise<void> {
    await this.core.prisma.$disconnect();
  }
}
