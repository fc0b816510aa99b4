import { useMemo } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../shared/api/client';
import { unwrap } from '../../shared/api/problem';
import type { Schemas } from '../../shared/api/schema';
import { formatDateTime, formatShortDateTime, presetRange, RANGE_PRESETS, type RangePreset } from '../../shared/dates';
import { RequireProject } from '../../shared/layout/RequireProject';
import { formatCount, formatMoney } from '../../shared/money';
import { Card, ErrorNotice, Field, Loading, PageHeader, SelectField } from '../../shared/ui/ui';
import { useUrlPatch, useUrlState } from '../../shared/url-state';

type UsageRecord = Schemas['UsageRecordDto'];

export default function UsageRecordsPage() {
  return (
    <>
      <PageHeader title="Usage records" description="Every counted event of the project, newest first." />
      <RequireProject page="usage">{(projectId) => <Records projectId={projectId} />}</RequireProject>
    </>
  );
}

function Records({ projectId }: { projectId: string }) {
  const [preset] = useUrlState<RangePreset>('range', '30d');
  const [model] = useUrlState('model', '');
  const [userId] = useUrlState('user', '');
  const [status] = useUrlState<'' | 'success' | 'error'>('status', '');
  const patch = useUrlPatch();
  const [cursor, setCursor] = useUrlState('cursor', '');
  const [selected, setSelected] = useUrlState('record', '');
  const range = useMemo(() => presetRange(preset), [preset]);
  const query = {
    ...range,
    limit: 50,
    ...(model ? { model } : {}),
    ...(userId ? { userId } : {}),
    ...(status ? { status } : {}),
    ...(cursor ? { cursor } : {}),
  };
  const page = useQuery({
    queryKey: ['usage', projectId, query],
    queryFn: async () => unwrap(await api.GET('/v1/projects/{projectId}/usage', { params: { path: { projectId }, query } })),
    placeholderData: keepPreviousData,
  });
  // A filter changes the result set: paging starts again, and the detail shown may not be in it.
  const filter = (key: string) => (value: string) =>
    patch({ [key]: value === '30d' && key === 'range' ? '' : value, cursor: '', record: '' });
  const record = page.data?.data.find((r) => r.id === selected);

  return (
    <>
      <Card>
        <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
          <SelectField label="Range" value={preset} onChange={(e) => filter('range')(e.target.value)} options={RANGE_PRESETS} />
          <Field
            label="Model"
            placeholder="any"
            defaultValue={model}
            onBlur={(e) => filter('model')(e.target.value.trim())}
            onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
          />
          <Field
            label="End user"
            placeholder="any"
            defaultValue={userId}
            onBlur={(e) => filter('user')(e.target.value.trim())}
            onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
          />
          <SelectField
            label="Status"
            value={status}
            onChange={(e) => filter('status')(e.target.value)}
            options={[
              { value: '', label: 'Any' },
              { value: 'success', label: 'Success' },
              { value: 'error', label: 'Error' },
            ]}
          />
        </form>
      </Card>
      {page.isError ? (
        <ErrorNotice error={page.error} />
      ) : !page.data ? (
        <Loading />
      ) : (
        <div className={record ? 'split-view' : undefined}>
          <Card>
            {page.data.data.length === 0 ? (
              <p className="muted">No records match.</p>
            ) : (
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">Time (UTC)</th>
                      <th scope="col">Model</th>
                      <th scope="col" className="num">
                        Input
                      </th>
                      <th scope="col" className="num">
                        Output
                      </th>
                      <th scope="col" className="num">
                        Cost
                      </th>
                      <th scope="col">Status</th>
                      <th scope="col">User</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.data.data.map((r) => (
                      <tr key={r.id} aria-selected={r.id === selected || undefined}>
                        <th scope="row" className="nowrap">
                          <button
                            type="button"
                            className="btn-link"
                            onClick={() => setSelected(r.id === selected ? '' : r.id)}
                            aria-expanded={r.id === selected}
                          >
                            {formatShortDateTime(r.timestamp)}
                          </button>
                        </th>
                        <td>
                          <span className="truncate" title={`${r.provider} / ${r.model}`}>
                            {r.model}
                          </span>
                        </td>
                        <td className="num">{formatCount(r.usage.inputTokens)}</td>
                        <td className="num">{formatCount(r.usage.outputTokens)}</td>
                        <td className="num">{recordCost(r)}</td>
                        <td>{r.status === 'error' ? <span className="badge badge-error">{r.errorType ?? 'error'}</span> : 'success'}</td>
                        <td>
                          <span className="truncate">{r.userId ?? '—'}</span>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <nav className="pager" aria-label="Pages">
              <button type="button" className="btn" disabled={!cursor} onClick={() => setCursor('')}>
                First page
              </button>
              <button type="button" className="btn" disabled={!page.data.nextCursor} onClick={() => setCursor(page.data.nextCursor ?? '')}>
                Next page
              </button>
            </nav>
          </Card>
          {record && <RecordDetail record={record} onClose={() => setSelected('')} />}
        </div>
      )}
    </>
  );
}

function recordCost(r: UsageRecord): string {
  if (r.cost.amount === null) return 'unpriced';
  return formatMoney({ amount: r.cost.amount, currency: r.cost.currency });
}

function RecordDetail({ record, onClose }: { record: UsageRecord; onClose: () => void }) {
  const rows: [string, string][] = [
    ['Event id', record.id],
    ['Time', formatDateTime(record.timestamp)],
    ['Received', formatDateTime(record.receivedAt)],
    ['Provider', record.provider],
    ['Model', record.model],
    ['Status', record.status + (record.errorType ? ` (${record.errorType})` : '')],
    ['Latency', record.latencyMs === null ? 'not given' : `${formatCount(record.latencyMs)} ms`],
    [
      'Cost',
      record.cost.amount === null
        ? 'unpriced: no price covers it yet'
        : formatMoney({ amount: record.cost.amount, currency: record.cost.currency }, { exact: true }),
    ],
    ['Cost status', `${record.cost.status}${record.cost.priceOrigin ? `, ${record.cost.priceOrigin} price` : ''}`],
    ['Price entry', record.cost.priceEntryId ?? '—'],
    ['End user', record.userId ?? '—'],
    ['Trace / span', `${record.traceId ?? '—'} / ${record.spanId ?? '—'}`],
    ...Object.entries(record.usage)
      .filter(([, v]) => Number(v) > 0)
      .map(([k, v]): [string, string] => [k.replace(/([A-Z])/g, ' $1').toLowerCase(), formatCount(Number(v))]),
  ];
  return (
    <Card
      title="Record"
      className="detail"
      actions={
        <button type="button" className="btn btn-small" onClick={onClose}>
          Close
        </button>
      }
    >
      <dl className="kv">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {Object.keys(record.tags).length > 0 && (
        <>
          <h3>Tags</h3>
          <dl className="kv">
            {Object.entries(record.tags).map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </div>
            ))}
          </dl>
        </>
      )}
      {Object.keys(record.metadata).length > 0 && (
        <>
          <h3>Metadata</h3>
          <pre className="json">{JSON.stringify(record.metadata, null, 2)}</pre>
        </>
      )}
    </Card>
  );
}
