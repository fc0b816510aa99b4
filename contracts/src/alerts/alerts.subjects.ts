import { defineSubject } from '../messaging';
import type {
  AlertList,
  AlertRef,
  AlertSettingsView,
  AlertsOwner,
  AlertView,
  BudgetList,
  BudgetRef,
  BudgetView,
  ChannelList,
  ChannelRef,
  ChannelTestResult,
  CreateBudgetRequest,
  CreateChannelRequest,
  CreatedChannel,
  DeliveryList,
  EnforcedBudgets,
  ListAlertsRequest,
  ResolveAlertsOwnerRequest,
  UpdateAlertSettingsRequest,
  UpdateBudgetRequest,
} from './alerts.messages';

type Empty = Record<string, never>;

/**
 * Request/reply subjects of the alerts service. The organization is the request context's (`organizationId`),
 * authorized by the gateway; routes that name only a budget, alert or channel id ask `resolveOwner` first.
 */
export const alertsSubjects = {
  createBudget: defineSubject<CreateBudgetRequest, BudgetView>('alerts.cmd.create-budget'),
  updateBudget: defineSubject<UpdateBudgetRequest, BudgetView>('alerts.cmd.update-budget'),
  deleteBudget: defineSubject<BudgetRef, Empty>('alerts.cmd.delete-budget'),
  listBudgets: defineSubject<Empty, BudgetList>('alerts.query.list-budgets'),
  getBudget: defineSubject<BudgetRef, BudgetView>('alerts.query.get-budget'),
  /** The proxy's question before a call: the enforced budgets covering the context's project, with their spend. */
  enforcedBudgets: defineSubject<Empty, EnforcedBudgets>('alerts.query.enforced-budgets'),

  getSettings: defineSubject<Empty, AlertSettingsView>('alerts.query.get-settings'),
  updateSettings: defineSubject<UpdateAlertSettingsRequest, AlertSettingsView>('alerts.cmd.update-settings'),

  listAlerts: defineSubject<ListAlertsRequest, AlertList>('alerts.query.list-alerts'),
  getAlert: defineSubject<AlertRef, AlertView>('alerts.query.get-alert'),
  acknowledgeAlert: defineSubject<AlertRef, AlertView>('alerts.cmd.acknowledge-alert'),
  listDeliveries: defineSubject<AlertRef, DeliveryList>('alerts.query.list-deliveries'),

  createChannel: defineSubject<CreateChannelRequest, CreatedChannel>('alerts.cmd.create-channel'),
  listChannels: defineSubject<Empty, ChannelList>('alerts.query.list-channels'),
  deleteChannel: defineSubject<ChannelRef, Empty>('alerts.cmd.delete-channel'),
  testChannel: defineSubject<ChannelRef, ChannelTestResult>('alerts.cmd.test-channel'),

  /** The gateway's own question; answers 404 for an unknown id. */
  resolveOwner: defineSubject<ResolveAlertsOwnerRequest, AlertsOwner>('alerts.query.resolve-owner'),
};

/**
 * Subject (before the deployment prefix) of the delivery jobs, on the alerts service's own work-queue stream
 * `ALERT_DELIVERIES` (`ALERT_DELIVERIES_<prefix>` with `NATS_PREFIX`); `Nats-Msg-Id` is the delivery id.
 */
export const ALERT_DELIVERY_SUBJECT = 'alerts.deliveries.job';
export const ALERT_DELIVERIES_STREAM = 'ALERT_DELIVERIES';

/** One delivery job: the delivery row says the rest. */
export interface AlertDeliveryJob {
  deliveryId: string;
  alertId: string;
  channelId: string;
  organizationId: string;
}
