import type { AlertsEvent } from './alerts/alerts.events';
import type { AuditEvent } from './audit/audit.events';
import type { AuthEvent } from './auth/auth.events';
import type { IngestionEvent } from './ingestion/ingestion.events';
import type { ProviderSyncContextEvent } from './provider-sync/provider-sync.events';
import type { ProviderKeyEvent } from './proxy/provider-keys';
import type { RouteEvent } from './proxy/routes';
import type { ModelEquivalenceEvent, RecommendationEvent } from './recommendations/recommendations.events';

/**
 * Every event any context appends, one discriminated union: what the audit service indexes. A context's new event
 * joins its own union and so this one, and the audit index does not compile until it can describe it.
 */
export type PlatformEvent =
  | AuthEvent
  | IngestionEvent
  | AlertsEvent
  | ProviderSyncContextEvent
  | ProviderKeyEvent
  | RouteEvent
  | RecommendationEvent
  | ModelEquivalenceEvent
  | AuditEvent;

export type PlatformEventType = PlatformEvent['type'];
