import { defineSubject } from '../messaging';
import type { AuditEntryList, ListAuditEntriesRequest } from './audit-index.messages';
import type { AccessRecord, AccessRecorded } from './audit.events';
import type {
  AuditExportPage,
  AuditExportPageRequest,
  AuditIntegrityView,
  AuditKeySetView,
  ConsistencyProofRequest,
  ConsistencyProofView,
  InclusionProofRequest,
  InclusionProofView,
  ListTreeHeadsRequest,
  SignedTreeHeadView,
  TreeHeadList,
} from './transparency.messages';

type Empty = Record<string, never>;

/**
 * Request/reply subjects of the audit service's verifiable log. Heads, keys and consistency proofs are about the
 * whole store and reveal no tenant's events (hashes only); inclusion proofs and exports are the context's
 * organization's, authorized by the gateway.
 */
export const auditTransparencySubjects = {
  keys: defineSubject<Empty, AuditKeySetView>('audit.query.keys'),
  latestHead: defineSubject<Empty, SignedTreeHeadView>('audit.query.latest-head'),
  heads: defineSubject<ListTreeHeadsRequest, TreeHeadList>('audit.query.heads'),
  consistency: defineSubject<ConsistencyProofRequest, ConsistencyProofView>('audit.query.consistency'),
  inclusion: defineSubject<InclusionProofRequest, InclusionProofView>('audit.query.inclusion'),
  integrity: defineSubject<Empty, AuditIntegrityView>('audit.query.integrity'),
  exportPage: defineSubject<AuditExportPageRequest, AuditExportPage>('audit.query.export-page'),
};

/** The audit index: the context's organization's entries, newest first (owners and admins, authorized by the gateway). */
export const auditIndexSubjects = {
  list: defineSubject<ListAuditEntriesRequest, AuditEntryList>('audit.query.entries'),
};

/** Security events reported by the gateway (the context names the organization and the actor). */
export const auditAccessSubjects = {
  record: defineSubject<AccessRecord, AccessRecorded>('audit.cmd.record-access'),
};
