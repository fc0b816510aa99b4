import { useMemo, useState, type ReactNode } from 'react';
import type { Schemas } from '../../shared/api/schema';
import { downloadFile } from '../../shared/api/download';
import { fieldError } from '../../shared/api/problem';
import { atLeast, useRole } from '../../shared/api/tenancy';
import { formatDateTime, formatShortDateTime, presetRange, RANGE_PRESETS, type RangePreset } from '../../shared/dates';
import { formatCount } from '../../shared/money';
import { useScope } from '../../shared/scope';
import { Card, ErrorNotice, Field, Loading, PageHeader, QueryView, SelectField } from '../../shared/ui/ui';
import { useUrlPatch, useUrlState } from '../../shared/url-state';
import { useAuditEvents, useAuditIntegrity, useSetUsageRetention, useUsageRetention } from './audit.queries';

type Integrity = Schemas['AuditIntegrityDto'];
type Entry = Schemas['AuditEntryDto'];

const ALL_TIME = 'all';
const RANGES = [{ value: ALL_TIME, label: 'All time' }, ...RANGE_PRESETS];

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
 * How long usage detail is kept: records and traces older than that leave the read models, and the ledger's
 * records of a month wholly past it become unreadable; the hourly and daily totals stay.
 */
function RetentionCard({ orgId }: { orgId: string }) {
  const retention = useUsageRetention(orgId, true);
  const save = useSetUsageRetention(orgId);
  const [days, setDays] = useState<string | undefined>();
  const current = retention.data?.usageRetentionDays ?? null;
  const shown = days ?? (current === null ? '' : String(current));
  const submit = (value: number | null) => {
    if (!retention.data) return;
    save.mutate({ usageRetentionDays: value, revision: retention.data.revision }, { onSuccess: () => setDays(undefined) });
  };
  return (
    <Card title="Retention of usage detail">
      <p>
        Usage records and traces older than the retention leave LLMLab within an hour; the usage ledger&apos;s records of every month wholly
        past it become unreadable, their key destroyed. Hourly and daily totals, budgets and breakdowns over old periods stay.
      </p>
      {retention.isError ? (
        <ErrorNotice error={retention.error} />
      ) : !retention.data ? (
        <Loading label="Loading the retention" />
      ) : (
        <>
          <p>
            <strong>{current === null ? 'Kept forever' : `Kept ${formatCount(current)} days`}</strong>
          </p>
          <form
            className="filters"
            aria-label="Retention"
            // The API names what is wrong with the value; the browser's own bubble would say less.
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              submit(shown.trim() === '' ? null : Number(shown));
            }}
          >
            <Field
              label="Days to keep"
              type="number"
              min={30}
              max={3650}
              placeholder="forever"
              hint="30 to 3650; empty keeps everything"
              value={shown}
              onChange={(e) => setDays(e.target.value)}
              error={fieldError(save.error, '/usageRetentionDays')}
            />
            <div className="actions">
              <button type="submit" className="btn btn-primary" disabled={save.isPending}>
                Save
              </button>
              {current !== null && (
                <button type="button" className="btn" disabled={save.isPending} onClick={() => submit(null)}>
                  Keep forever
                </button>
              )}
            </div>
            {save.isError && <ErrorNotice error={save.error} fields={['/usageRetentionDays']} />}
          </form>
        </>
      )}
    </Card>
  );
}

function actorText(actor: Entry['actor']): string {
  if (actor.name) return actor.name;
  // Ids are UUID v7, whose first digits are a timestamp: their end tells them apart.
  if (actor.type === 'api_key') return `API key …${actor.id.slice(-8)}`;
  if (actor.type === 'user') return `User …${actor.id.slice(-8)} (erased or not a member)`;
  return actor.id;
}

function changesText(changes: Entry['changes']): string {
  return (changes ?? [])
    .map((c) => `${c.field}: ${c.from !== undefined ? `${JSON.stringify(c.from)} → ` : ''}${JSON.stringify(c.to)}`)
    .join('; ');
}

/** The log itself: filters in the URL (shareable), newest first, a page at a time. */
function AuditEvents({ orgId }: { orgId: string }) {
  const [preset] = useUrlState<RangePreset | typeof ALL_TIME>('range', ALL_TIME);
  const [actor] = useUrlState('actor', '');
  const [type] = useUrlState('type', '');
  const [resourceType] = useUrlState('resourceType', '');
  const [resourceId] = useUrlState('resourceId', '');
  const [cursor, setCursor] = useUrlState('cursor', '');
  const patch = useUrlPatch();
  const range = useMemo(() => (preset === ALL_TIME ? {} : presetRange(preset)), [preset]);
  const page = useAuditEvents(orgId, { ...range, actor, type, resourceType, resourceId, cursor }, true);
  // A filter changes the result set: paging starts again.
  const filter = (key: string) => (value: string) => patch({ [key]: value === ALL_TIME && key === 'range' ? '' : value, cursor: '' });
  const text = (label: string, key: string, value: string, hint?: string) => (
    <Field
      label={label}
      placeholder="any"
      hint={hint}
      defaultValue={value}
      onBlur={(e) => filter(key)(e.target.value.trim())}
      onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
    />
  );
  return (
    <Card title="Events">
      <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <SelectField label="Range" value={preset} onChange={(e) => filter('range')(e.target.value)} options={RANGES} />
        {text('Actor', 'actor', actor, 'a user or API key id')}
        {text('Event type', 'type', type, 'e.g. ApiKeyCreated')}
        {text('Resource type', 'resourceType', resourceType, 'e.g. project')}
        {text('Resource id', 'resourceId', resourceId)}
      </form>
      {page.isError ? (
        <ErrorNotice error={page.error} />
      ) : !page.data ? (
        <Loading label="Loading the audit log" />
      ) : page.data.data.length === 0 ? (
        <p className="muted">No events match.</p>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Audit log">
            <thead>
              <tr>
                <th scope="col">Time (UTC)</th>
                <th scope="col">Actor</th>
                <th scope="col">What happened</th>
                <th scope="col">Resource</th>
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {page.data.data.map((e) => (
                <tr key={e.eventId}>
                  <th scope="row" className="nowrap" title={`event ${e.position}, ${e.eventId}`}>
                    {formatShortDateTime(e.recordedAt)}
                  </th>
                  <td>
                    <button type="button" className="btn-link" onClick={() => filter('actor')(e.actor.id)} title="Only this actor">
                      {actorText(e.actor)}
                    </button>
                  </td>
                  <td>
                    <div>{e.summary}</div>
                    {e.changes && <small className="muted">{changesText(e.changes)}</small>}
                    <small className="muted"> {e.type}</small>
                  </td>
                  <td>
                    {e.resource ? (
                      <button
                        type="button"
                        className="btn-link"
                        onClick={() => patch({ resourceType: e.resource!.type, resourceId: e.resource!.id, cursor: '' })}
                        title="Only this resource"
                      >
                        <span className="truncate">
                          {e.resource.type} …{e.resource.id.slice(-8)}
                        </span>
                      </button>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>
                    <span className="truncate" title={e.userAgent ?? undefined}>
                      {e.ip ?? '—'}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="pager" aria-label="Pages">
        <button type="button" className="btn" disabled={!cursor} onClick={() => setCursor('')}>
          Newest
        </button>
        <button type="button" className="btn" disabled={!page.data?.nextCursor} onClick={() => setCursor(page.data?.nextCursor ?? '')}>
          Older
        </button>
      </nav>
    </Card>
  );
}

/**
 * The organization's audit log: whether the event store verifies (the audit service's continuous check against its
 * signed Merkle tree heads), the latest signed head, the verifiable export, and how long usage detail is kept.
 * Owners and admins, as the API.
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
      {atLeast(role, 'admin') ? (
        <>
          <AuditEvents orgId={orgId} />
          <ExportCard orgId={orgId} />
          <RetentionCard orgId={orgId} />
        </>
      ) : (
        <p>Owners and admins can query and export the audit log and set how long usage detail is kept.</p>
      )}
    </>
  );
}
