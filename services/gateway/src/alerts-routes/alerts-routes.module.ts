import { Module, type OnModuleInit } from '@nestjs/common';
import { ResourceOwners } from '../identity/resource-owners';
import { ServiceClient } from '../messaging/service-client';
import { AlertSettingsController } from './alert-settings.controller';
import { AlertsController, OrganizationAlertsController } from './alerts.controller';
import { registerAlertsOwners } from './alerts-owners';
import { BudgetsController, OrganizationBudgetsController } from './budgets.controller';
import { ChannelsController, OrganizationChannelsController } from './channels.controller';

/**
 * The routes of the alerts service: budgets, alerts and their deliveries, channels, the organization's alert
 * settings. `/v1/budgets/{budgetId}`, `/v1/alerts/{alertId}` and `/v1/channels/{channelId}` are authorized in the
 * organization that owns the id, which the alerts service names (`alerts.query.resolve-owner`).
 */
@Module({
  controllers: [
    OrganizationBudgetsController,
    BudgetsController,
    OrganizationAlertsController,
    AlertsController,
    OrganizationChannelsController,
    ChannelsController,
    AlertSettingsController,
  ],
})
export class AlertsRoutesModule implements OnModuleInit {
  constructor(
    private readonly owners: ResourceOwners,
    private readonly client: ServiceClient,
  ) {}

  onModuleInit(): void {
    registerAlertsOwners(this.owners, this.client);
  }
}
