import type { ProjectMapping, Provider, SyncTrigger } from './provider-sync.events';

export interface ProviderConnectionView {
  connectionId: string;
  organizationId: string;
  provider: Provider;
  name: string;
  baseUrl: string | null;
  /** Last 4 characters of the admin key; the key itself is never returned. */
  keyHint: string;
  mappings: ProjectMapping[];
  syncEnabled: boolean;
  revision: number;
  createdAt: string;
  /** End of the range the latest successful sync covered (the watermark), or null. */
  syncedUntil: string | null;
}

export interface RegisterProviderConnectionRequest {
  provider: Provider;
  name: string;
  credentials: { adminKey: string };
  baseUrl?: string;
  mappings?: ProjectMapping[];
  syncEnabled?: boolean;
}

export interface UpdateProviderConnectionRequest {
  connectionId: string;
  name?: string;
  credentials?: { adminKey: string };
  mappings?: ProjectMapping[];
  syncEnabled?: boolean;
  expectedRevision?: number;
}

export interface ConnectionRef {
  connectionId: string;
}

export const CONNECTION_TEST_OUTCOMES = ['accepted', 'rejected', 'unreachable'] as const;
/** `rejected`: the provider refused the stored key (revoked, or its rights taken away); `unreachable`: it could not tell. */
export type ConnectionTestOutcome = (typeof CONNECTION_TEST_OUTCOMES)[number];

/** One check of a connection's stored admin key with the provider: nothing is imported and nothing changes. */
export interface ConnectionTestResult {
  outcome: ConnectionTestOutcome;
  /** What failed, for a person; never the key. `null` when accepted. */
  detail: string | null;
  durationMs: number;
}

export interface StartSyncRequest {
  connectionId: string;
  from?: string;
  to?: string;
}

export const SYNC_RUN_STATUSES = ['running', 'completed', 'failed'] as const;
export type SyncRunStatus = (typeof SYNC_RUN_STATUSES)[number];

export interface SyncRunView {
  runId: string;
  connectionId: string;
  from: string;
  to: string;
  trigger: SyncTrigger;
  status: SyncRunStatus;
  pagesFetched: number;
  rowsImported: number;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export const PROVIDER_COST_GROUPS = ['provider', 'model', 'day', 'project', 'lineItem'] as const;
export type ProviderCostGroupBy = (typeof PROVIDER_COST_GROUPS)[number];

export interface ProviderCostsRequest {
  from: string;
  to: string;
  groupBy: ProviderCostGroupBy;
}

export interface ProviderCostRow {
  /** The group's value (`null`: the provider gave none, or no mapping covers it). */
  key: string | null;
  /** Decimal string, USD. */
  amount: string;
  currency: 'USD';
}

export interface ProviderCostsReport {
  from: string;
  to: string;
  groupBy: ProviderCostGroupBy;
  rows: ProviderCostRow[];
  total: string;
}
