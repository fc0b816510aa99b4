export enum BudgetErrorCode {
  NotFound = 'BUDGET_NOT_FOUND',
  Invalid = 'BUDGET_INVALID',
  LimitReached = 'BUDGET_LIMIT_REACHED',
  AlreadyExists = 'BUDGET_ALREADY_EXISTS',
}

export enum AlertErrorCode {
  NotFound = 'ALERT_NOT_FOUND',
  AlreadyResolved = 'ALERT_ALREADY_RESOLVED',
  /** The same rule key fired before: the append found the alert's stream (the once-only guarantee). */
  AlreadyFired = 'ALERT_ALREADY_FIRED',
  InvalidQuery = 'ALERT_QUERY_INVALID',
}

export enum ChannelErrorCode {
  NotFound = 'CHANNEL_NOT_FOUND',
  Invalid = 'CHANNEL_INVALID',
  LimitReached = 'CHANNEL_LIMIT_REACHED',
  AlreadyExists = 'CHANNEL_ALREADY_EXISTS',
}

export enum SettingsErrorCode {
  Invalid = 'ALERT_SETTINGS_INVALID',
}

export type AlertsErrorCode = BudgetErrorCode | AlertErrorCode | ChannelErrorCode | SettingsErrorCode;
export const ALERTS_ERROR_CODES: readonly AlertsErrorCode[] = [
  ...Object.values(BudgetErrorCode),
  ...Object.values(AlertErrorCode),
  ...Object.values(ChannelErrorCode),
  ...Object.values(SettingsErrorCode),
];
