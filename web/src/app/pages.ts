import type { ComponentType } from 'react';

/**
 * Every page of the dashboard, in navigation order: a path under /orgs/:orgId, its title, where it sits in the
 * navigation and its code (a chunk of its own, loaded when first visited). Adding a page is one entry here and a
 * folder in features/ (docs/contributing.md, "How to add a dashboard page").
 */
export interface DashboardPage {
  /** Under /orgs/:orgId; may hold parameters (`alerts/:alertId`). */
  path: string;
  title: string;
  /** Navigation group; pages without one (details) are reached by links. */
  section?: 'Spend' | 'Debugging' | 'Alerting' | 'Organization';
  /** `project`: about one project (the switcher's); `either`: the organization, or the project when one is chosen. */
  scope: 'organization' | 'project' | 'either';
  load: () => Promise<{ default: ComponentType }>;
}

export const PAGES: DashboardPage[] = [
  { path: 'overview', title: 'Overview', section: 'Spend', scope: 'either', load: () => import('../features/overview/OverviewPage') },
  { path: 'costs', title: 'Cost explorer', section: 'Spend', scope: 'either', load: () => import('../features/costs/CostExplorerPage') },
  { path: 'usage', title: 'Usage records', section: 'Spend', scope: 'project', load: () => import('../features/usage/UsageRecordsPage') },
  { path: 'traces', title: 'Traces', section: 'Debugging', scope: 'project', load: () => import('../features/traces/TracesPage') },
  { path: 'traces/:traceId', title: 'Trace', scope: 'project', load: () => import('../features/traces/TracePage') },
  { path: 'sessions/:sessionId', title: 'Session', scope: 'project', load: () => import('../features/traces/SessionPage') },
  {
    path: 'recommendations',
    title: 'Recommendations',
    section: 'Spend',
    scope: 'either',
    load: () => import('../features/recommendations/RecommendationsPage'),
  },
  {
    path: 'reconciliation',
    title: 'Reconciliation',
    section: 'Spend',
    scope: 'organization',
    load: () => import('../features/reconciliation/ReconciliationPage'),
  },
  {
    path: 'providers',
    title: 'Provider connections',
    section: 'Spend',
    scope: 'organization',
    load: () => import('../features/providers/ProvidersPage'),
  },
  { path: 'budgets', title: 'Budgets', section: 'Alerting', scope: 'organization', load: () => import('../features/budgets/BudgetsPage') },
  { path: 'alerts', title: 'Alerts', section: 'Alerting', scope: 'organization', load: () => import('../features/alerts/AlertsPage') },
  { path: 'alerts/:alertId', title: 'Alert', scope: 'organization', load: () => import('../features/alerts/AlertDetailPage') },
  {
    path: 'channels',
    title: 'Channels',
    section: 'Alerting',
    scope: 'organization',
    load: () => import('../features/channels/ChannelsPage'),
  },
  {
    path: 'projects',
    title: 'Projects',
    section: 'Organization',
    scope: 'organization',
    load: () => import('../features/projects/ProjectsPage'),
  },
  {
    path: 'api-keys',
    title: 'API keys',
    section: 'Organization',
    scope: 'project',
    load: () => import('../features/api-keys/ApiKeysPage'),
  },
  { path: 'proxy', title: 'Proxy', section: 'Organization', scope: 'project', load: () => import('../features/proxy/ProxyPage') },
  {
    path: 'members',
    title: 'Members',
    section: 'Organization',
    scope: 'organization',
    load: () => import('../features/members/MembersPage'),
  },
  {
    path: 'audit',
    title: 'Audit log',
    section: 'Organization',
    scope: 'organization',
    load: () => import('../features/audit/AuditLogPage'),
  },
  {
    path: 'pricing',
    title: 'Pricing',
    section: 'Organization',
    scope: 'organization',
    load: () => import('../features/pricing/PricingPage'),
  },
];
