import { useState, type ReactNode } from 'react';
import type { Schemas } from '../../shared/api/schema';
import { downloadFile } from '../../shared/api/download';
import { atLeast, useRole } from '../../shared/api/tenancy';
import { formatDateTime } from '../../shared/dates';
import { formatCount } from '../../shared/money';
import { useScope } from '../../shared/scope';
import { Card, ErrorNotice, PageHeader, QueryView } from '../../shared/ui/ui';
import { useAuditIntegrity } from './audit.queries';

type Integrity = Schemas['AuditIntegrityDto'];

const STATUS_TEXT: Record<string, string> = {
  verified: 'Verified',
  tampered: 'Tampering found',
  pending: 'Not verified yet',
};

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** Whether the event store verifies, and the signed tree head an auditor checks exports against. */
function IntegrityCard({ integrity }: { integrity: Integrity }) {
  const head = integrity.latestHead;
  return (
    <Card title="Verification">
      <p>
        <span
          className={`badge badge-${integrity.status === 'verified' ? 'matched' : integrity.status === 'tampered' ? 'unrecorded' : 'pending'}`}
        >
          {STATUS_TEXT[integrity.status] ?? integrity.status}
        </span>{' '}
        {integrity.status === 'tampered' && integrity.incident
          ? `Event ${formatCount(integrity.incident.position)}: ${integrity.incident.detail} (found ${formatDateTime(integrity.incident.detectedAt)}). No tree head is signed until it is resolved.`
          : `Every one of the ${formatCount(integrity.verifiedThrough)} events of the log chains and hashes as stored.`}
      </p>
      <dl className="kv">
        <Fact label="Events in the Merkle tree">{formatCount(integrity.treeSize)}</Fact>
        <Fact label="History re-verified">
          {integrity.lastFullVerificationAt ? `${formatDateTime(integrity.lastFullVerificationAt)}, against every signed head` : 'not yet'}
        </Fact>
      </dl>
      <h3>Latest signed tree head</h3>
      {head ? (
        <dl className="kv" aria-label="Latest signed tree head">
          <Fact label="Tree size">{formatCount(head.treeSize)} events</Fact>
          <Fact label="Root hash">
            <code>{head.rootHash}</code>
          </Fact>
          <Fact label="Signed">{formatDateTime(head.timestamp)}</Fact>
          <Fact label="Key">
            <code>{head.keyId}</code> (<a href="/.well-known/llmlab-audit-keys.json">public keys</a>)
          </Fact>
        </dl>
      ) : (
        <p>No tree head has been signed yet.</p>
      )}
    </Card>
  );
}

/** The export buttons: JSON Lines (verifiable offline) and CSV (for reading). */
function ExportCard({ orgId }: { orgId: string }) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const save = async (format: 'jsonl' | 'csv') => {
    setBusy(true);
    setError(undefined);
    try {
      await downloadFile(`/v1/organizations/${orgId}/audit/export?format=${format}`, `audit-${orgId}.${format}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="Export">
      <p>
        The JSON Lines export holds every event of the organization with its content, its hash and a proof that it is in the signed log.
        Anyone can check it without trusting LLMLab:{' '}
        <code>npm run audit:verify -- audit.jsonl --keys {location.origin}/.well-known/llmlab-audit-keys.json</code>.
      </p>
      <div className="actions">
        <button type="button" className="btn btn-primary" onClick={() => void save('jsonl')} disabled={busy}>
          Export JSON Lines
        </button>
        <button type="button" className="btn" onClick={() => void save('csv')} disabled={busy}>
          Export CSV
        </button>
      </div>
      {error !== undefined && <ErrorNotice error={error} />}
    </Card>
  );
}

/**
 * The organization's audit log: whether the event store verifies (the audit service's continuous check against its
 * signed Merkle tree heads), the latest signed head, and the verifiable export. Owners and admins, as the API.
 */
export default function AuditLogPage() {
  const { orgId } = useScope();
  const role = useRole(orgId);
  const integrity = useAuditIntegrity();
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change in the organization, in a tamper-evident log: hash-chained, in a Merkle tree whose heads are signed, provable event by event."
      />
      <QueryView query={integrity} label="Loading the verification">
        {(data) => <IntegrityCard integrity={data} />}
      </QueryView>
      {atLeast(role, 'admin') ? <ExportCard orgId={orgId} /> : <p>Owners and admins can query and export the audit log.</p>}
    </>
  );
}
