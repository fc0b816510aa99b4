export enum ReconciliationErrorCode {
  /** A reconciliation query's range, grouping or provider is not one it takes (errors name the field). */
  Invalid = 'RECONCILIATION_INVALID',
  /** A tolerance that is not a decimal in range (errors name the field). */
  SettingsInvalid = 'RECONCILIATION_SETTINGS_INVALID',
}

export const RECONCILIATION_ERROR_CODES: readonly ReconciliationErrorCode[] = Object.values(ReconciliationErrorCode);
