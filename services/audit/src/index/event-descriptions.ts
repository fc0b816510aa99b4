import { usageRecordCount } from '@llmlab/crypto';
import type { AuditFieldChange, PlatformEvent, PlatformEventType } from '@llmlab/contracts';

/** What the audit index says of one event: what it is about, one sentence, and what an update changed. */
export interface EventDescription {
  resource: { type: string; id: string } | null;
  summary: string;
  changes: AuditFieldChange[] | null;
  /**
   * The resource's fields as the event creates them: remembered by the index (never listed), so that a later update,
   * which carries only the new values, shows each change from→to (`field-memory.ts`).
   */
  created?: Record<string, unknown>;
}

type DataOf<T extends PlatformEventType> = Extract<PlatformEvent, { type: T }>['data'];
type Describe<T extends PlatformEventType> = (data: DataOf<T>) => EventDescription;

const on = (type: string, id: string) => ({ type, id });
const say = (resource: EventDescription['resource'], summary: string, changes: AuditFieldChange[] | null = null): EventDescription => ({
  resource,
  summary,
  changes,
});
/** A quoted name as it appears in a sentence (names are the organization's labels, never personal data). */
const q = (name: string) => `“${name}”`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The fields an update names, each with its new value (and the old one when the event keeps it). */
function changed(
  data: Record<string, unknown>,
  fields: readonly string[],
  previous: Record<string, unknown> = {},
): AuditFieldChange[] | null {
  const changes = fields
    .filter((f) => data[f] !== undefined)
    .map((f) => (f in previous ? { field: f, from: previous[f], to: data[f] } : { field: f, to: data[f] }));
  return changes.length ? changes : null;
}

/**
 * One describer per event type of every context. Typed over `PlatformEvent`, so a new event type does not compile
 * until it is described here. Sentences carry ids, counts and the organization's own labels (project, budget and
 * channel names), never a secret (keys, URLs, ciphertexts) or a person's email or name.
 */
export const DESCRIBERS: { [T in PlatformEventType]: Describe<T> } = {
  // auth
  EmailClaimed: (d) => say(on('user', d.userId), 'An email address was claimed for a new account'),
  EmailReleased: (d) => say(on('user', d.userId), "An erased user's email address was released: it may sign up again"),
  UserErased: (d) => say(on('user', d.userId), 'A user erased their account: their name and email are unreadable everywhere'),
  UserLoginFailed: (d) =>
    say(d.userId ? on('user', d.userId) : null, `${plural(d.failures, 'failed login')}${d.userId ? '' : ' for unknown email addresses'}`),
  UserLoggedIn: (d) => say(on('session', d.sessionId), 'A user logged in'),
  UserRegistered: (d) => say(on('user', d.userId), 'A user signed up'),
  EmailVerified: (d) => say(on('user', d.userId), `A user verified their email address (${d.method.replace('-', ' ')})`),
  OrganizationCreated: (d) => ({
    ...say(on('organization', d.organizationId), `Organization ${q(d.name)} was created`),
    created: { name: d.name },
  }),
  OrganizationUpdated: (d) => say(on('organization', d.organizationId), 'The organization was updated', changed(d, ['name', 'rateLimits'])),
  OrganizationClosed: (d) => say(on('organization', d.organizationId), 'The organization was closed: its only owner erased their account'),
  OrganizationRateLimitsChanged: (d) =>
    say(on('organization', d.organizationId), "The operator changed the organization's rate limits", [
      { field: 'rateLimits', from: d.previous, to: d.rateLimits },
    ]),
  MemberAdded: (d) => say(on('member', d.userId), `A member was added as ${d.role}`),
  MemberRoleChanged: (d) =>
    say(on('member', d.userId), `A member's role changed from ${d.previousRole} to ${d.role}`, [
      { field: 'role', from: d.previousRole, to: d.role },
    ]),
  MemberRemoved: (d) => say(on('member', d.userId), `A ${d.role} left or was removed`),
  MemberInvited: (d) => say(on('invitation', d.invitationId), `Someone was invited as ${d.role}`),
  InvitationAccepted: (d) => say(on('invitation', d.invitationId), 'An invitation was accepted'),
  InvitationRevoked: (d) => say(on('invitation', d.invitationId), 'An invitation was revoked'),
  ProjectCreated: (d) => ({
    ...say(on('project', d.projectId), `Project ${q(d.name)} was created`),
    created: { name: d.name, description: d.description },
  }),
  ProjectUpdated: (d) => say(on('project', d.projectId), 'The project was updated', changed(d, ['name', 'description'])),
  ProjectArchived: (d) => say(on('project', d.projectId), 'The project was archived'),
  ApiKeyCreated: (d) =>
    say(
      on('api-key', d.apiKeyId),
      `API key ${q(d.name)} (${d.prefix}…) was created with scopes ${d.scopes.join(', ')}${d.expiresAt ? `, expiring ${d.expiresAt}` : ''}`,
    ),
  ApiKeyRevoked: (d) => say(on('api-key', d.apiKeyId), `API key ${d.prefix}… was revoked`),
  SessionStarted: (d) =>
    say(on('session', d.sessionId), d.method === 'signup' ? 'A session started at signup' : 'A session started at login'),
  SessionRefreshed: (d) => say(on('session', d.sessionId), 'A session was refreshed'),
  SessionRevoked: (d) =>
    say(
      on('session', d.sessionId),
      d.reason === 'logout'
        ? 'A user logged out'
        : d.reason === 'erasure'
          ? 'A session was revoked: its user erased their account'
          : 'A session was revoked: an old refresh token was used again (possible theft)',
    ),
  SigningKeyRotated: (d) => say(on('signing-key', d.kid), 'The access-token signing key was rotated'),
  // ingestion
  UsageRecorded: (d) =>
    say(
      on('project', d.projectId),
      `${plural(usageRecordCount(d), 'usage event')} recorded${d.parts > 1 ? ` (part ${d.part + 1} of ${d.parts})` : ''}${d.importId ? ' from a backfill import' : ''}`,
    ),
  UsageRepriced: (d) =>
    say(on('project', d.projectId), `${plural(d.corrections.length, 'usage record')} repriced (${d.reason.kind.replace('-', ' ')})`),
  PriceOverrideSet: (d) => say(on('price-override', d.override.id), `A price was set for ${d.override.provider}/${d.override.model}`),
  PriceOverrideRemoved: (d) =>
    say(on('price-override', d.overrideId), `The price set for ${d.override.provider}/${d.override.model} was removed`),
  PriceCatalogRefreshed: (d) =>
    say(
      on('price-catalog', 'genai-prices'),
      `The price catalog was refreshed: ${d.opened.length} opened, ${d.closed.length} closed, ${d.withdrawn.length} withdrawn`,
    ),
  UsageImportQueued: (d) => say(on('usage-import', d.importId), `A ${d.format} usage file of ${d.bytes} bytes was queued for import`),
  UsageImportStarted: (d) => say(on('usage-import', d.importId), 'A usage import started'),
  UsageImportPartRecorded: (d) =>
    say(on('usage-import', d.importId), `Usage import part ${d.part + 1}: ${d.accepted} accepted, ${d.rejected} rejected`),
  UsageImportCompleted: (d) =>
    say(on('usage-import', d.importId), `A usage import completed: ${plural(d.records, 'record')} from ${plural(d.linesRead, 'line')}`),
  UsageImportFailed: (d) => say(on('usage-import', d.importId), `A usage import failed: ${d.reason}`),
  SpansRecorded: (d) => say(on('project', d.projectId), `${plural(d.spans.length, 'trace span')} recorded`),
  TracesEvaluated: (d) => say(on('project', d.projectId), `${plural(d.traces.length, 'trace')} evaluated for failures`),
  TraceSettingsChanged: (d) =>
    say(
      on('organization', d.organizationId),
      `Content capture was turned ${d.captureContent ? 'on' : 'off'} (kept ${d.contentRetentionDays} days)`,
      changed(d as unknown as Record<string, unknown>, ['captureContent', 'contentRetentionDays']),
    ),
  UsageRetentionChanged: (d) =>
    say(
      on('organization', d.organizationId),
      d.usageRetentionDays === null
        ? 'Usage detail is now kept forever'
        : `Usage detail is now kept ${plural(d.usageRetentionDays, 'day')}`,
      changed(d as unknown as Record<string, unknown>, ['usageRetentionDays']),
    ),
  TraceContentErased: (d) =>
    say(
      d.traceId ? on('trace', d.traceId) : on('project', d.projectId),
      `Captured content of ${plural(d.spans, 'span')} was erased${d.traceId ? ' for a trace' : ' for an end user'}`,
    ),
  EndUserErased: (d) =>
    say(
      on('project', d.projectId),
      `An end user was erased: ${plural(d.records, 'usage record')} and ${plural(d.traces, 'trace')} re-keyed, ` +
        `${plural(d.contents, 'captured text')} deleted`,
    ),
  UsageAggregatesKept: (d) =>
    say(
      on('project', d.projectId),
      `The aggregates of ${d.month} were kept in the ledger before its usage detail expired${d.parts > 1 ? ` (part ${d.part + 1} of ${d.parts})` : ''}`,
    ),
  UsageDetailExpired: (d) =>
    say(
      on('organization', d.organizationId),
      `Usage detail older than ${plural(d.retentionDays, 'day')} expired: ${plural(d.records, 'usage record')} deleted, ` +
        `${plural(d.months.length, 'project-month')} of the ledger made unreadable`,
    ),
  // alerts
  BudgetCreated: (d) => ({
    ...say(on('budget', d.budgetId), `Budget ${q(d.name)} was created: ${d.amount.amount} ${d.amount.currency} ${d.period}`),
    created: {
      name: d.name,
      period: d.period,
      amount: d.amount,
      thresholds: d.thresholds,
      timeZone: d.timeZone,
      enforce: d.enforce === true,
    },
  }),
  BudgetUpdated: (d) =>
    say(on('budget', d.budgetId), 'A budget was updated', changed(d, ['name', 'period', 'amount', 'thresholds', 'timeZone', 'enforce'])),
  BudgetDeleted: (d) => say(on('budget', d.budgetId), 'A budget was deleted'),
  AlertSettingsUpdated: (d) =>
    say(on('alert-settings', d.organizationId), 'The alert settings were changed', changed(d, ['timeZone', 'rules'])),
  ChannelAdded: (d) => say(on('channel', d.channelId), `A ${d.type} channel ${q(d.name)} was added`),
  ChannelRemoved: (d) => say(on('channel', d.channelId), 'A channel was removed'),
  AlertFired: (d) => say(on('alert', d.alertId), `A ${d.kind.replace('_', ' ')} alert fired`),
  AlertAcknowledged: (d) => say(on('alert', d.alertId), 'An alert was acknowledged'),
  AlertResolved: (d) => say(on('alert', d.alertId), 'An alert was resolved'),
  DeliverySucceeded: (d) => say(on('alert', d.alertId), `An alert was delivered to a channel (attempt ${d.attempt})`),
  DeliveryFailed: (d) => say(on('alert', d.alertId), `Delivering an alert failed (attempt ${d.attempt}, ${d.outcome})`),
  DeliveryDead: (d) => say(on('alert', d.alertId), `Delivering an alert was given up after attempt ${d.attempt}`),
  // provider-sync
  ProviderConnectionRegistered: (d) => say(on('provider-connection', d.connectionId), `Provider connection ${q(d.name)} was registered`),
  ProviderConnectionRenamed: (d) =>
    say(on('provider-connection', d.connectionId), `A provider connection was renamed ${q(d.name)}`, [{ field: 'name', to: d.name }]),
  ProviderConnectionCredentialsRotated: (d) =>
    say(on('provider-connection', d.connectionId), "A provider connection's admin key was replaced"),
  ProviderConnectionMappingsChanged: (d) =>
    say(
      on('provider-connection', d.connectionId),
      `A provider connection's project mappings changed (${plural(d.mappings.length, 'mapping')})`,
    ),
  ProviderConnectionSyncEnabledChanged: (d) =>
    say(on('provider-connection', d.connectionId), `The daily sync was turned ${d.syncEnabled ? 'on' : 'off'}`, [
      { field: 'syncEnabled', to: d.syncEnabled },
    ]),
  ProviderConnectionRemoved: (d) => say(on('provider-connection', d.connectionId), 'A provider connection was removed'),
  // proxy
  ProviderKeyStored: (d) =>
    say(on('provider-key', d.providerKeyId), `A ${d.provider} key ending in ${d.keyHint} was stored for the proxy`, [
      { field: 'baseUrl', to: d.baseUrl },
    ]),
  RouteSet: (d) =>
    say(
      on('route', d.routeId),
      `The proxy route for ${q(d.model)}${d.feature == null ? '' : ` (feature ${q(d.feature)})`} was set: ${d.targets.map((t) => `${t.provider}/${t.model}`).join(', then ')}${d.recommendationId ? `, applying recommendation ${d.recommendationId}` : ''}`,
    ),
  RouteRemoved: (d) => say(on('route', d.routeId), `The proxy route for ${q(d.model)} was removed`),
  ProviderKeyRemoved: (d) => say(on('provider-key', d.providerKeyId), `The project's ${d.provider} key was removed from the proxy`),
  ProviderSyncRunStarted: (d) => say(on('provider-connection', d.connectionId), 'A provider sync started'),
  ProviderCostsImported: (d) =>
    say(on('provider-connection', d.connectionId), `${plural(d.buckets.length, 'cost bucket')} imported from ${d.provider}`),
  ProviderCostsCorrected: (d) =>
    say(on('provider-connection', d.connectionId), `${plural(d.buckets.length, 'cost bucket')} corrected by ${d.provider}`),
  ProviderUsageImported: (d) =>
    say(on('provider-connection', d.connectionId), `${plural(d.buckets.length, 'usage bucket')} imported from ${d.provider}`),
  ProviderSyncRunCompleted: (d) => say(on('provider-connection', d.connectionId), 'A provider sync completed'),
  ProviderSyncRunFailed: (d) =>
    say(on('provider-connection', d.connectionId), `A provider sync failed after ${plural(d.pagesFetched, 'page')}`),
  ReconciliationDiscrepancyDetected: (d) =>
    say(
      on('reconciliation', `${d.provider}:${d.day}`),
      `${d.provider} billed ${d.billed.amount} and ${d.recorded.amount} was recorded on ${d.day} (${d.direction})`,
    ),
  ReconciliationSettingsUpdated: (d) =>
    say(on('reconciliation-settings', d.organizationId), 'The reconciliation tolerance was changed', [
      { field: 'tolerance', to: d.tolerance },
    ]),
  // recommendations
  RecommendationOpened: (d) =>
    say(on('recommendation', d.recommendationId), `A ${d.findings.kind.replace(/_/g, ' ')} recommendation was opened`),
  RecommendationUpdated: (d) =>
    say(on('recommendation', d.recommendationId), `A ${d.findings.kind.replace(/_/g, ' ')} recommendation was updated`),
  RecommendationAccepted: (d) =>
    say(on('recommendation', d.recommendationId), `A ${d.findings.kind.replace(/_/g, ' ')} recommendation was accepted`),
  RecommendationApplied: (d) =>
    say(on('recommendation', d.recommendationId), `A recommendation was applied as the proxy route ${d.routeId}`),
  RecommendationDismissed: (d) => say(on('recommendation', d.recommendationId), 'A recommendation was dismissed'),
  RecommendationReopened: (d) => say(on('recommendation', d.recommendationId), 'A dismissed recommendation was reopened: its savings grew'),
  RecommendationResolved: (d) => say(on('recommendation', d.recommendationId), 'A recommendation was resolved: the pattern is gone'),
  ModelEquivalenceChanged: (d) =>
    say(
      on('model-equivalence', d.organizationId),
      `The model right-sizing table was changed (${plural(Object.keys(d.overrides).length, 'override')})`,
      [{ field: 'overrides', to: d.overrides }],
    ),
  // audit
  AccessDenied: (d) =>
    say(
      on(d.resource.type, d.resource.id),
      `Another organization's credential asked for this ${d.resource.type} and was refused${d.count > 1 ? ` (${d.count} times)` : ''}`,
    ),
  AuditLogQueried: (d) => say(on('audit-log', d.organizationId), `The audit log was queried${d.count > 1 ? ` (${d.count} times)` : ''}`),
  AuditLogExported: (d) =>
    say(on('audit-log', d.organizationId), `The audit log was exported as ${d.format}${d.count > 1 ? ` (${d.count} times)` : ''}`),
  UsageExported: (d) =>
    say(on('project', d.projectId), `Usage records were exported as ${d.format}${d.count > 1 ? ` (${d.count} times)` : ''}`),
  AuditIntegrityViolated: (d) =>
    say(
      on('event', String(d.position)),
      `Tampering with the event store was found at event ${d.position} (${d.reason.replace(/_/g, ' ')})`,
    ),
};

/** The description of any stored event; one of a type this version does not know is still indexed, plainly. */
export function describeEvent(type: string, data: unknown): EventDescription {
  const describe = (DESCRIBERS as Record<string, (data: unknown) => EventDescription>)[type];
  if (!describe) return say(null, `${type} recorded`);
  try {
    return describe(data);
  } catch {
    // An older version of an event may miss a field a describer reads: the entry stays, in plain words.
    return say(null, `${type} recorded`);
  }
}
