import {
  ALERTS_ERROR_CODES,
  PROVIDER_SYNC_ERROR_CODES,
  PROXY_ERROR_CODES,
  RECOMMENDATIONS_ERROR_CODES,
  AUTH_ERROR_CODES,
  INGESTION_ERROR_CODES,
  MessagingErrorCode,
  RECONCILIATION_ERROR_CODES,
  ScopeErrorCode,
  type ErrorCode,
} from '@llmlab/contracts';
import { httpStatusOf, httpStatusOfWireCode } from './error-status';

describe('httpStatusOf', () => {
  it.each<[ErrorCode | string, number]>([
    ['PROJECT_FORBIDDEN', 403],
    ['PROJECT_NOT_FOUND', 404],
    ['PROJECT_ARCHIVED', 409],
    ['EMAIL_TAKEN', 409],
    ['USER_ALREADY_REGISTERED', 409],
    ['PASSWORD_POLICY', 400],
    ['INVALID_REFRESH_TOKEN', 401],
    ['INVALID_CREDENTIALS', 401],
    ['UNAUTHENTICATED', 401],
    ['API_KEY_FORBIDDEN', 403],
    ['API_KEY_NOT_FOUND', 404],
    ['ORGANIZATION_INVALID', 400],
    ['ORGANIZATION_FORBIDDEN', 403],
    ['ORGANIZATION_NOT_FOUND', 404],
    ['MEMBER_ALREADY_EXISTS', 409],
    ['LAST_OWNER', 409],
    ['ORGANIZATION_LIMIT_REACHED', 409],
    ['MEMBER_NOT_FOUND', 404],
    ['INVITATION_NOT_FOUND', 404],
    ['INVITATION_TOKEN_INVALID', 400],
    ['EMAIL_NOT_VERIFIED', 403],
    ['EMAIL_VERIFICATION_TOKEN_INVALID', 400],
    ['EMAIL_ALREADY_VERIFIED', 409],
    ['INVALID_CURSOR', 400],
    ['VALIDATION_FAILED', 400],
    ['PRICING_REFRESH_CONFLICT', 409],
    ['PRICE_OVERRIDE_OVERLAPS', 409],
    ['PRICE_OVERRIDE_LIMIT_REACHED', 409],
    ['PRICE_OVERRIDE_NOT_FOUND', 404],
    ['USAGE_IMPORT_NOT_FOUND', 404],
    ['PRICING_SOURCE_UNAVAILABLE', 502],
    ['ALERT_ALREADY_FIRED', 409],
    ['ALERT_ALREADY_RESOLVED', 409],
    ['ALERT_NOT_FOUND', 404],
    ['ALERT_QUERY_INVALID', 400],
    ['ALERT_SETTINGS_INVALID', 400],
    ['RECONCILIATION_INVALID', 400],
    ['RECONCILIATION_SETTINGS_INVALID', 400],
    ['BUDGET_INVALID', 400],
    ['BUDGET_NOT_FOUND', 404],
    ['CHANNEL_INVALID', 400],
    ['CHANNEL_LIMIT_REACHED', 409],
    ['CHANNEL_NOT_FOUND', 404],
    ['CONCURRENCY_CONFLICT', 409],
    ['IDEMPOTENCY_CONFLICT', 409],
    ['INTERNAL_ERROR', 500],
    ['BAD_SERVICE_REPLY', 502],
    ['SERVICE_UNAVAILABLE', 503],
    ['SHUTTING_DOWN', 503],
    ['SERVICE_TIMEOUT', 504],
  ])('%s is %i', (code, status) => {
    expect(httpStatusOfWireCode(code)).toBe(status);
  });

  it('maps every declared code to a client or server error status', () => {
    const all: ErrorCode[] = [
      ...Object.values(MessagingErrorCode),
      ...Object.values(ScopeErrorCode),
      ...AUTH_ERROR_CODES,
      ...INGESTION_ERROR_CODES,
      ...ALERTS_ERROR_CODES,
      ...RECONCILIATION_ERROR_CODES,
      ...PROVIDER_SYNC_ERROR_CODES,
      ...PROXY_ERROR_CODES,
      ...RECOMMENDATIONS_ERROR_CODES,
    ];
    for (const code of all) expect([400, 401, 403, 404, 409, 412, 422, 500, 502, 503, 504]).toContain(httpStatusOf(code));
  });

  it('answers a code this gateway does not know as an internal error', () => {
    expect(httpStatusOfWireCode('SOMETHING_NEWER')).toBe(500);
  });
});
