import { defineSubject } from '../messaging';
import type {
  ReconciliationReport,
  ReconciliationRequest,
  ReconciliationSettingsView,
  TokenReconciliationReport,
  TokenReconciliationRequest,
  UpdateReconciliationSettingsRequest,
} from './reconciliation.messages';

/** Reconciliation subjects of the provider-sync service; the organization is the request context's. */
export const reconciliationSubjects = {
  reconciliation: defineSubject<ReconciliationRequest, ReconciliationReport>('provider-sync.query.reconciliation'),
  tokenReconciliation: defineSubject<TokenReconciliationRequest, TokenReconciliationReport>('provider-sync.query.reconciliation-tokens'),
  getSettings: defineSubject<Record<string, never>, ReconciliationSettingsView>('provider-sync.query.reconciliation-settings'),
  updateSettings: defineSubject<UpdateReconciliationSettingsRequest, ReconciliationSettingsView>(
    'provider-sync.cmd.update-reconciliation-settings',
  ),
};
