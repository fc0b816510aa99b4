import { ALERTS_ERROR_CODES, type AlertsErrorCode } from './alerts/alerts.errors';
import { AUDIT_ERROR_CODES, type AuditErrorCodes } from './audit/audit.errors';
import { AUTH_ERROR_CODES, type AuthErrorCode } from './auth/auth.errors';
import { MessagingErrorCode, ScopeErrorCode } from './errors';
import { INGESTION_ERROR_CODES, type IngestionErrorCode } from './ingestion/ingestion.errors';
import { PROVIDER_SYNC_ERROR_CODES, type ProviderSyncErrorCode } from './provider-sync/provider-sync.errors';
import { PROXY_ERROR_CODES, type ProxyErrorCode } from './proxy/provider-keys';
import { RECONCILIATION_ERROR_CODES, type ReconciliationErrorCode } from './provider-sync/reconciliation.errors';
import { RECOMMENDATIONS_ERROR_CODES, type RecommendationsErrorCode } from './recommendations/recommendations.errors';

/** Every code a service may put in an `ErrorReply`: the gateway maps each one to an HTTP status. */
export type ErrorCode =
  | MessagingErrorCode
  | ScopeErrorCode
  | AuthErrorCode
  | IngestionErrorCode
  | AlertsErrorCode
  | ReconciliationErrorCode
  | ProviderSyncErrorCode
  | ProxyErrorCode
  | RecommendationsErrorCode
  | AuditErrorCodes;

const ERROR_CODES: ReadonlySet<string> = new Set<string>([
  ...Object.values(MessagingErrorCode),
  ...Object.values(ScopeErrorCode),
  ...AUTH_ERROR_CODES,
  ...INGESTION_ERROR_CODES,
  ...ALERTS_ERROR_CODES,
  ...RECONCILIATION_ERROR_CODES,
  ...PROVIDER_SYNC_ERROR_CODES,
  ...PROXY_ERROR_CODES,
  ...RECOMMENDATIONS_ERROR_CODES,
  ...AUDIT_ERROR_CODES,
]);

/** A code off the wire that this version of the contracts declares (a newer service may send one it does not). */
export function isErrorCode(code: string): code is ErrorCode {
  return ERROR_CODES.has(code);
}
