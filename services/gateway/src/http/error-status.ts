import {
  AlertErrorCode,
  AuditErrorCode,
  ApiKeyErrorCode,
  BudgetErrorCode,
  ChannelErrorCode,
  IngestionErrorCode,
  isErrorCode,
  MessagingErrorCode,
  OrganizationErrorCode,
  ProjectErrorCode,
  ProviderSyncErrorCode,
  ProxyErrorCode,
  ReconciliationErrorCode,
  ScopeErrorCode,
  SessionErrorCode,
  SettingsErrorCode,
  UserErrorCode,
  type ErrorCode,
  RecommendationErrorCode,
} from '@llmlab/contracts';
import { assertUnreachable } from '@llmlab/domain';

/**
 * The one place where a service's error code becomes an HTTP status (services speak codes, never HTTP). The switch
 * is exhaustive over every code contracts/ declares, so a new code does not compile until it is mapped here.
 */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case MessagingErrorCode.ServiceUnavailable:
    case MessagingErrorCode.ShuttingDown:
      return 503;
    case MessagingErrorCode.ServiceTimeout:
      return 504;
    case MessagingErrorCode.BadServiceReply:
    case IngestionErrorCode.PricingSourceUnavailable:
      return 502;
    case MessagingErrorCode.InternalError:
      return 500;
    case MessagingErrorCode.ConcurrencyConflict:
    case MessagingErrorCode.IdempotencyConflict:
    case OrganizationErrorCode.AlreadyExists:
    case OrganizationErrorCode.MemberAlreadyExists:
    case OrganizationErrorCode.InvitationPending:
    case OrganizationErrorCode.LastOwner:
    case OrganizationErrorCode.LimitReached:
    case ProjectErrorCode.AlreadyExists:
    case ProjectErrorCode.Archived:
    case ApiKeyErrorCode.AlreadyExists:
    case ApiKeyErrorCode.ProjectArchived:
    case UserErrorCode.EmailTaken:
    case UserErrorCode.AlreadyRegistered:
    case UserErrorCode.AlreadyVerified:
    case UserErrorCode.SoleOwner:
    case IngestionErrorCode.PriceOverrideOverlaps:
    case IngestionErrorCode.PriceOverrideLimitReached:
    case IngestionErrorCode.PricingRefreshConflict:
    case ProxyErrorCode.RouteLimitReached:
    case ProxyErrorCode.RouteTaken:
    case BudgetErrorCode.LimitReached:
    case BudgetErrorCode.AlreadyExists:
    case ChannelErrorCode.LimitReached:
    case ChannelErrorCode.AlreadyExists:
    case AlertErrorCode.AlreadyResolved:
    case AlertErrorCode.AlreadyFired:
    case RecommendationErrorCode.Resolved:
    case RecommendationErrorCode.NotApplicable:
      return 409;
    case AuditErrorCode.NoTreeHead:
    case AuditErrorCode.TreeHeadNotFound:
    case AuditErrorCode.EventNotFound:
      return 404;
    case AuditErrorCode.EventNotInTree:
      return 409;
    case AuditErrorCode.Invalid:
      return 400;
    case ScopeErrorCode.OrganizationNotFound:
    case ScopeErrorCode.ProjectNotFound:
    case OrganizationErrorCode.NotFound:
    case OrganizationErrorCode.MemberNotFound:
    case OrganizationErrorCode.InvitationNotFound:
    case ProjectErrorCode.NotFound:
    case ApiKeyErrorCode.NotFound:
    case UserErrorCode.NotFound:
    case IngestionErrorCode.PriceOverrideNotFound:
    case IngestionErrorCode.UsageImportNotFound:
    case IngestionErrorCode.TraceNotFound:
    case IngestionErrorCode.SessionNotFound:
    case BudgetErrorCode.NotFound:
    case ChannelErrorCode.NotFound:
    case AlertErrorCode.NotFound:
    case RecommendationErrorCode.NotFound:
      return 404;
    case OrganizationErrorCode.Forbidden:
    case OrganizationErrorCode.EmailNotVerified:
    case UserErrorCode.PasswordIncorrect:
    case ProjectErrorCode.Forbidden:
    case ApiKeyErrorCode.Forbidden:
      return 403;
    case SessionErrorCode.InvalidCredentials:
    case SessionErrorCode.InvalidRefreshToken:
    case SessionErrorCode.Unauthenticated:
      return 401;
    case OrganizationErrorCode.Invalid:
    case ProjectErrorCode.Invalid:
    case ApiKeyErrorCode.Invalid:
    case UserErrorCode.Invalid:
    case UserErrorCode.PasswordPolicy:
    case UserErrorCode.VerificationTokenInvalid:
    case OrganizationErrorCode.InvitationTokenInvalid:
    case IngestionErrorCode.ValidationFailed:
    case IngestionErrorCode.InvalidCursor:
    case IngestionErrorCode.InvalidUsageBatch:
    case IngestionErrorCode.InvalidSpanBatch:
    case BudgetErrorCode.Invalid:
    case ChannelErrorCode.Invalid:
    case AlertErrorCode.InvalidQuery:
    case SettingsErrorCode.Invalid:
    case RecommendationErrorCode.Invalid:
    case ReconciliationErrorCode.Invalid:
    case ReconciliationErrorCode.SettingsInvalid:
    case ProviderSyncErrorCode.ConnectionInvalid:
    case ProviderSyncErrorCode.SyncInvalid:
    case ProxyErrorCode.ProviderKeyInvalid:
    case ProxyErrorCode.RouteInvalid:
      return 400;
    case ProviderSyncErrorCode.CredentialsRejected:
      return 422;
    case ProviderSyncErrorCode.ConnectionNotFound:
    case ProxyErrorCode.ProviderKeyNotFound:
    case ProxyErrorCode.RouteNotFound:
      return 404;
    case ProviderSyncErrorCode.ConnectionConflict:
      return 412;
    case ProviderSyncErrorCode.ProviderUnavailable:
      return 502;
    default:
      return assertUnreachable(code);
  }
}

/** A code off the wire: one this gateway does not know (a newer service) is an internal error, not a guess. */
export function httpStatusOfWireCode(code: string): number {
  return isErrorCode(code) ? httpStatusOf(code) : 500;
}
