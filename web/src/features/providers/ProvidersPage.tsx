import { useMemo, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { fieldError } from '../../shared/api/problem';
import type { Schemas } from '../../shared/api/schema';
import { PROXY_PROVIDERS } from '../../../../contracts/src/proxy/proxy-providers';
import { atLeast, useProjects, useRole } from '../../shared/api/tenancy';
import { addDays, formatDateTime, isoDay, presetRange } from '../../shared/dates';
import { formatCount, formatMoney } from '../../shared/money';
import { scopedPath, useScope } from '../../shared/scope';
import { Card, EmptyState, ErrorNotice, Field, PageHeader, QueryView, SelectField } from '../../shared/ui/ui';
import { useUrlState } from '../../shared/url-state';
import {
  useConnections,
  useImportedCosts,
  useLatestRuns,
  useRegisterConnection,
  useRemoveConnection,
  useRuns,
  useStartSync,
  useTestConnection,
  useUpdateConnection,
  type Connection,
  type SyncRun,
} from './providers.queries';

type Provider = Connection['provider'];
const KEY_HINTS: Record<Provider, string> = {
  openai: 'An OpenAI admin key (sk-admin-…), from the organization settings: it reads the Costs and Usage APIs.',
  anthropic: 'An Anthropic Admin API key (sk-ant-admin…): it reads the cost and usage reports.',
};
const EXTERNAL_ID: Record<Provider, string> = { openai: 'OpenAI project id', anthropic: 'Anthropic workspace id' };

/**
 * The provider connections whose bills are imported for the reconciliation: add one (its admin key is checked by the
 * provider before it is stored), manage it (name, key, project mappings, the daily sync), sync it now and follow its
 * runs. Admins and owners only, as the API.
 */
export default function ProvidersPage() {
  const scope = useScope();
  const { orgId } = scope;
  const role = useRole(orgId);
  const admin = atLeast(role, 'admin');
  const [selected, setSelected] = useUrlState('connection', '');
  const connections = useConnections(orgId, admin);
  const latest = useLatestRuns(connections.data ?? []);
  const current = connections.data?.find((c) => c.connectionId === selected);

  return (
    <>
      <PageHeader
        title="Provider connections"
        description={
          <>
            The OpenAI and Anthropic organization accounts whose bills LLMLab imports, every day and on demand, to reconcile them with what
            it recorded: see <Link to={scopedPath(scope, 'reconciliation')}>Reconciliation</Link>.
          </>
        }
      />
      {role && !admin && (
        <EmptyState title="Only admins and owners see and manage provider connections.">
          <p>
            What the providers billed, against what was recorded, is on <Link to={scopedPath(scope, 'reconciliation')}>Reconciliation</Link>
            .
          </p>
        </EmptyState>
      )}
      {admin && (
        <>
          <AddConnection orgId={orgId} onAdded={(c) => setSelected(c.connectionId)} />
          <Card title="Connections">
            <QueryView query={connections}>
              {(list) =>
                list.length === 0 ? (
                  <p className="muted">No connection yet: add one above to import what a provider billed.</p>
                ) : (
                  <ConnectionsTable connections={list} latest={latest} selected={selected} onSelect={setSelected} />
                )
              }
            </QueryView>
          </Card>
          {connections.data?.length ? <ImportedCosts orgId={orgId} /> : null}
          {current && <ConnectionDetail key={current.connectionId} orgId={orgId} connection={current} onRemoved={() => setSelected('')} />}
        </>
      )}
    </>
  );
}

function AddConnection({ orgId, onAdded }: { orgId: string; onAdded: (connection: Connection) => void }) {
  const [provider, setProvider] = useState<Provider>('openai');
  const register = useRegisterConnection(orgId);
  const error = register.error;
  const fields = ['/provider', '/name', '/credentials/adminKey', '/baseUrl'];

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const formElement = e.currentTarget;
    const form = new FormData(formElement);
    const baseUrl = String(form.get('baseUrl')).trim();
    register.mutate(
      {
        provider,
        name: String(form.get('name')).trim(),
        credentials: { adminKey: String(form.get('adminKey')) },
        syncEnabled: form.get('syncEnabled') === 'on',
        ...(baseUrl ? { baseUrl } : {}),
      },
      {
        onSuccess: (connection) => {
          formElement.reset();
          onAdded(connection);
        },
      },
    );
  }

  return (
    <Card title="Add a connection">
      <form className="form-grid" aria-label="New provider connection" onSubmit={submit}>
        <SelectField
          label="Provider"
          value={provider}
          onChange={(e) => setProvider(e.target.value as Provider)}
          options={[
            { value: 'openai', label: 'OpenAI' },
            { value: 'anthropic', label: 'Anthropic' },
          ]}
        />
        <Field label="Name" name="name" required maxLength={100} error={fieldError(error, '/name')} />
        <Field
          label="Admin key"
          name="adminKey"
          type="password"
          autoComplete="off"
          required
          minLength={8}
          maxLength={500}
          hint={KEY_HINTS[provider]}
          error={fieldError(error, '/credentials/adminKey')}
        />
        <Field
          label="Base URL (optional)"
          name="baseUrl"
          type="url"
          hint="Only for a relay the operator trusts (PROVIDER_SYNC_TRUSTED_ORIGINS); empty: the provider's own API."
          error={fieldError(error, '/baseUrl')}
        />
        <label className="checkbox">
          <input type="checkbox" name="syncEnabled" defaultChecked /> Sync every day
        </label>
        <div className="form-actions">
          <button className="btn btn-primary" type="submit" disabled={register.isPending}>
            {register.isPending ? 'Checking the key…' : 'Add connection'}
          </button>
        </div>
      </form>
      <p className="muted small">
        The key is checked with {PROXY_PROVIDERS[provider].name} before it is kept, then stored encrypted; only its last 4 characters are
        ever shown again.
      </p>
      {register.isError && <ErrorNotice error={error} fields={fields} />}
    </Card>
  );
}

function RunStatus({ run }: { run: SyncRun | null | undefined }) {
  if (run === undefined) return null;
  if (run === null) return <span className="muted">never synced</span>;
  return <span className={`badge badge-${run.status}`}>{run.status}</span>;
}

function ConnectionsTable({
  connections,
  latest,
  selected,
  onSelect,
}: {
  connections: Connection[];
  latest: Map<string, SyncRun | null | undefined>;
  selected: string;
  onSelect: (connectionId: string) => void;
}) {
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="visually-hidden">Provider connections</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Provider</th>
            <th scope="col">Admin key</th>
            <th scope="col">Daily sync</th>
            <th scope="col">Imported until</th>
            <th scope="col">Last run</th>
          </tr>
        </thead>
        <tbody>
          {connections.map((c) => {
            const run = latest.get(c.connectionId);
            return (
              <tr key={c.connectionId} aria-selected={c.connectionId === selected || undefined}>
                <th scope="row">
                  <button type="button" className="link-button" onClick={() => onSelect(c.connectionId)} aria-label={`Manage ${c.name}`}>
                    {c.name}
                  </button>
                </th>
                <td>{PROXY_PROVIDERS[c.provider].name}</td>
                <td>
                  <code>…{c.keyHint}</code>
                </td>
                <td>{c.syncEnabled ? 'on' : 'off'}</td>
                <td>{formatDateTime(c.syncedUntil)}</td>
                <td>
                  <RunStatus run={run} /> {run && <span className="muted small">{formatDateTime(run.startedAt)}</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** What the imports add up to per provider over the last 30 days: money from the API's decimal strings. */
function ImportedCosts({ orgId }: { orgId: string }) {
  const range = useMemo(() => presetRange('30d'), []);
  const costs = useImportedCosts(orgId, range);
  return (
    <Card title="Billed in the last 30 days, as imported">
      <QueryView query={costs} label="Loading the imported bills">
        {(report) => (
          <div className="stats">
            {report.rows.map((r) => (
              <div className="stat" key={r.key ?? 'none'}>
                <p className="stat-label">{r.key ? (PROXY_PROVIDERS[r.key as Provider]?.name ?? r.key) : 'No provider named'}</p>
                <p className="stat-value">{formatMoney({ amount: r.amount, currency: r.currency })}</p>
              </div>
            ))}
            <div className="stat">
              <p className="stat-label">All providers</p>
              <p className="stat-value">{formatMoney({ amount: report.total, currency: 'USD' })}</p>
            </div>
          </div>
        )}
      </QueryView>
    </Card>
  );
}

function TestOutcome({ result, provider }: { result: Schemas['ConnectionTestResultDto']; provider: Provider }) {
  const name = PROXY_PROVIDERS[provider].name;
  switch (result.outcome) {
    case 'accepted':
      return <>{`${name} accepted the key (${result.durationMs} ms).`}</>;
    case 'rejected':
      return <>{`${name} refused the key: rotate it below. (${result.detail ?? 'refused'})`}</>;
    default:
      return <>{`${name} could not tell: ${result.detail ?? 'unreachable'}. Try again later.`}</>;
  }
}

function ConnectionDetail({ orgId, connection, onRemoved }: { orgId: string; connection: Connection; onRemoved: () => void }) {
  const remove = useRemoveConnection(orgId);
  const test = useTestConnection(connection.connectionId);
  return (
    <Card
      title={`${connection.name} (${PROXY_PROVIDERS[connection.provider].name})`}
      actions={
        <div className="row-actions">
          <button type="button" className="btn btn-small" disabled={test.isPending} onClick={() => test.mutate()}>
            {test.isPending ? 'Testing…' : 'Test connection'}
          </button>
          <button
            type="button"
            className="btn btn-small btn-danger"
            disabled={remove.isPending}
            onClick={() =>
              window.confirm(`Delete the connection ${connection.name}? What it imported stops counting in the reconciliation.`) &&
              remove.mutate(connection.connectionId, { onSuccess: onRemoved })
            }
          >
            Delete connection
          </button>
        </div>
      }
    >
      {remove.isError && <ErrorNotice error={remove.error} />}
      {test.isError && <ErrorNotice error={test.error} />}
      <p role="status" className={test.data && test.data.outcome !== 'accepted' ? 'field-error' : 'small'}>
        {test.data && <TestOutcome result={test.data} provider={connection.provider} />}
      </p>
      <p className="muted small">
        Key ending in <code>{connection.keyHint}</code> · {connection.baseUrl ? `through ${connection.baseUrl}` : "the provider's own API"}{' '}
        · added {formatDateTime(connection.createdAt)}
      </p>
      <div className="grid-2">
        <Settings orgId={orgId} connection={connection} />
        <RotateKey orgId={orgId} connection={connection} />
      </div>
      <Mappings orgId={orgId} connection={connection} />
      <SyncNow connection={connection} />
      <Runs connection={connection} />
    </Card>
  );
}

function Settings({ orgId, connection }: { orgId: string; connection: Connection }) {
  const update = useUpdateConnection(orgId, connection.connectionId);
  return (
    <form
      aria-label="Connection settings"
      onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        update.mutate({ name: String(form.get('name')).trim(), syncEnabled: form.get('syncEnabled') === 'on' });
      }}
    >
      <h3>Settings</h3>
      <Field
        label="Connection name"
        name="name"
        required
        maxLength={100}
        defaultValue={connection.name}
        error={fieldError(update.error, '/name')}
      />
      <label className="checkbox">
        <input type="checkbox" name="syncEnabled" defaultChecked={connection.syncEnabled} /> Sync every day
      </label>
      <div className="form-actions">
        <button type="submit" className="btn" disabled={update.isPending}>
          Save settings
        </button>
      </div>
      <p role="status" className="small">
        {update.isSuccess ? 'Saved.' : ''}
      </p>
      {update.isError && <ErrorNotice error={update.error} fields={['/name']} />}
    </form>
  );
}

function RotateKey({ orgId, connection }: { orgId: string; connection: Connection }) {
  const update = useUpdateConnection(orgId, connection.connectionId);
  return (
    <form
      aria-label="Rotate the admin key"
      onSubmit={(e) => {
        e.preventDefault();
        const formElement = e.currentTarget;
        const adminKey = String(new FormData(formElement).get('adminKey'));
        update.mutate({ credentials: { adminKey } }, { onSuccess: () => formElement.reset() });
      }}
    >
      <h3>Admin key</h3>
      <Field
        label="New admin key"
        name="adminKey"
        type="password"
        autoComplete="off"
        required
        minLength={8}
        maxLength={500}
        hint={`Checked with ${PROXY_PROVIDERS[connection.provider].name} first; the current key stays if it is refused.`}
        error={fieldError(update.error, '/credentials/adminKey')}
      />
      <div className="form-actions">
        <button type="submit" className="btn" disabled={update.isPending}>
          {update.isPending ? 'Checking the key…' : 'Check and rotate'}
        </button>
      </div>
      <p role="status" className="small">
        {update.isSuccess ? `Accepted by ${PROXY_PROVIDERS[connection.provider].name}: the key now ends in ${update.data.keyHint}.` : ''}
      </p>
      {update.isError && <ErrorNotice error={update.error} fields={['/credentials/adminKey']} />}
    </form>
  );
}

type MappingRow = { key: number; externalId: string; projectId: string };

function Mappings({ orgId, connection }: { orgId: string; connection: Connection }) {
  const projects = useProjects(orgId);
  const update = useUpdateConnection(orgId, connection.connectionId);
  const [rows, setRows] = useState<MappingRow[]>(() => connection.mappings.map((m, key) => ({ key, ...m })));
  const [nextKey, setNextKey] = useState(connection.mappings.length);
  const options = (projects.data ?? []).filter((p) => !p.archivedAt).map((p) => ({ value: p.id, label: p.name }));
  const change = (key: number, patch: Partial<MappingRow>) => setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const label = EXTERNAL_ID[connection.provider];

  return (
    <form
      aria-label="Project mappings"
      onSubmit={(e) => {
        e.preventDefault();
        update.mutate({ mappings: rows.map(({ externalId, projectId }) => ({ externalId: externalId.trim(), projectId })) });
      }}
    >
      <h3>Project mappings</h3>
      <p className="muted small">
        Which LLMLab project each {label.replace(/ id$/, '')} is, so the reconciliation can compare them project by project. Spend of an
        unmapped one counts as “No mapped project”.
      </p>
      {rows.map((r, i) => (
        <div className="inline-form" key={r.key}>
          <Field
            label={`${label} ${i + 1}`}
            value={r.externalId}
            required
            maxLength={200}
            onChange={(e) => change(r.key, { externalId: e.target.value })}
            error={fieldError(update.error, `/mappings/${i}/externalId`)}
          />
          <SelectField
            label={`LLMLab project ${i + 1}`}
            value={r.projectId}
            required
            onChange={(e) => change(r.key, { projectId: e.target.value })}
            options={[{ value: '', label: 'Choose a project' }, ...options]}
          />
          <button type="button" className="btn btn-small" onClick={() => setRows((rs) => rs.filter((x) => x.key !== r.key))}>
            Remove mapping {i + 1}
          </button>
        </div>
      ))}
      <div className="row-actions form-actions">
        <button
          type="button"
          className="btn btn-small"
          onClick={() => {
            setRows((rs) => [...rs, { key: nextKey, externalId: '', projectId: options[0]?.value ?? '' }]);
            setNextKey((k) => k + 1);
          }}
        >
          Add a mapping
        </button>
        <button type="submit" className="btn" disabled={update.isPending}>
          Save mappings
        </button>
        <span role="status" className="small">
          {update.isSuccess ? `Saved: ${update.data.mappings.length} mapped.` : ''}
        </span>
      </div>
      {update.isError && <ErrorNotice error={update.error} fields={rows.map((_, i) => `/mappings/${i}/externalId`)} />}
    </form>
  );
}

/** `2026-12-01` → its midnight UTC; `to` is the day after the last one asked for (ranges are [from, to)). */
const dayStart = (day: string) => `${day}T00:00:00.000Z`;
const dayAfter = (day: string) => addDays(new Date(dayStart(day)), 1).toISOString();

function SyncNow({ connection }: { connection: Connection }) {
  const sync = useStartSync(connection.connectionId);
  const error = sync.error;
  return (
    <form
      className="inline-form"
      aria-label="Sync now"
      onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        const from = String(form.get('from') ?? '');
        const to = String(form.get('to') ?? '');
        sync.mutate({ ...(from ? { from: dayStart(from) } : {}), ...(to ? { to: dayAfter(to) } : {}) });
      }}
    >
      <h3 className="visually-hidden">Sync now</h3>
      <Field label="From (UTC day, optional)" name="from" type="date" error={fieldError(error, '/from')} />
      <Field label="To (UTC day included, optional)" name="to" type="date" error={fieldError(error, '/to')} />
      <button type="submit" className="btn btn-primary" disabled={sync.isPending}>
        Sync now
      </button>
      <span role="status" className="small">
        {sync.isSuccess
          ? 'Sync started: it is the first of the runs below.'
          : 'Without dates: from the last import, minus 3 days of late data.'}
      </span>
      {sync.isError && <ErrorNotice error={error} fields={['/from', '/to']} />}
    </form>
  );
}

/** `[from, to)` as the UTC days it covers. */
function runDays(run: SyncRun): string {
  const first = isoDay(new Date(run.from));
  const last = isoDay(new Date(Date.parse(run.to) - 1));
  return first === last ? first : `${first} – ${last}`;
}

function Runs({ connection }: { connection: Connection }) {
  const runs = useRuns(connection.connectionId);
  return (
    <>
      <h3>Sync runs</h3>
      <QueryView query={runs} label="Loading the runs">
        {(list) =>
          list.length === 0 ? (
            <p className="muted">No run yet: the daily sync or “Sync now” starts one.</p>
          ) : (
            <div className="table-wrap">
              <table className="table compact">
                <caption className="visually-hidden">Sync runs of {connection.name}, latest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Started</th>
                    <th scope="col">Trigger</th>
                    <th scope="col">Days (UTC)</th>
                    <th scope="col">Status</th>
                    <th scope="col" className="num">
                      Pages
                    </th>
                    <th scope="col" className="num">
                      Rows imported
                    </th>
                    <th scope="col">Finished, or why it failed</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((r) => (
                    <tr key={r.runId} data-testid="sync-run">
                      <th scope="row">{formatDateTime(r.startedAt)}</th>
                      <td>{r.trigger}</td>
                      <td>{runDays(r)}</td>
                      <td>
                        <RunStatus run={r} />
                      </td>
                      <td className="num">{formatCount(r.pagesFetched)}</td>
                      <td className="num">{formatCount(r.rowsImported)}</td>
                      <td className={r.error ? 'field-error' : undefined}>{r.error ?? formatDateTime(r.finishedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryView>
    </>
  );
}
