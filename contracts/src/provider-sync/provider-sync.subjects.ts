import { defineSubject } from '../messaging';
import type {
  ConnectionRef,
  ConnectionTestResult,
  ProviderConnectionView,
  ProviderCostsReport,
  ProviderCostsRequest,
  RegisterProviderConnectionRequest,
  StartSyncRequest,
  SyncRunView,
  UpdateProviderConnectionRequest,
} from './provider-sync.messages';

/** Connection, sync and imported-cost subjects of the provider-sync service; the organization is the request context's. */
export const providerSyncSubjects = {
  registerConnection: defineSubject<RegisterProviderConnectionRequest, ProviderConnectionView>('provider-sync.cmd.register-connection'),
  listConnections: defineSubject<Record<string, never>, ProviderConnectionView[]>('provider-sync.query.connections'),
  getConnection: defineSubject<ConnectionRef, ProviderConnectionView>('provider-sync.query.connection'),
  updateConnection: defineSubject<UpdateProviderConnectionRequest, ProviderConnectionView>('provider-sync.cmd.update-connection'),
  removeConnection: defineSubject<ConnectionRef, { removed: true }>('provider-sync.cmd.remove-connection'),
  /** Checks the stored admin key with the provider now (the page's "Test"); no event, no import. */
  testConnection: defineSubject<ConnectionRef, ConnectionTestResult>('provider-sync.cmd.test-connection'),
  startSync: defineSubject<StartSyncRequest, { runId: string }>('provider-sync.cmd.start-sync'),
  listRuns: defineSubject<ConnectionRef, SyncRunView[]>('provider-sync.query.sync-runs'),
  /** Which organization owns a connection (the gateway's tenant check of `{connectionId}`); not-found for none. */
  resolveOwner: defineSubject<ConnectionRef, { organizationId: string }>('provider-sync.query.resolve-connection-owner'),
  providerCosts: defineSubject<ProviderCostsRequest, ProviderCostsReport>('provider-sync.query.provider-costs'),
};
