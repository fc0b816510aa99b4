import { useMemo } from 'react';
import { Link } from 'react-router';
import { presetRange, RANGE_PRESETS, formatShortDateTime, type RangePreset } from '../../shared/dates';
import { RequireProject } from '../../shared/layout/RequireProject';
import { formatCount, formatMoney } from '../../shared/money';
import { scopedPath, useScope } from '../../shared/scope';
import { Card, ErrorNotice, Field, Loading, PageHeader, SelectField } from '../../shared/ui/ui';
import { useUrlPatch, useUrlState } from '../../shared/url-state';
import { TraceTable } from './TraceTable';
import { useSessions, useTraces, type FlagType, type TracesQuery } from './traces.queries';
import { FLAG_LABELS, FLAG_TYPES } from './waterfall';

type View = 'traces' | 'sessions';

export default function TracesPage() {
  const [view] = useUrlState<View>('view', 'traces');
  const scope = useScope();
  return (
    <>
      <PageHeader
        title="Traces"
        description="Every trace of the project, newest first, with its cost and what the detectors flagged. Amounts in USD."
      />
      <nav className="view-switch" aria-label="Traces or sessions">
        <Link to={scopedPath(scope, 'traces')} aria-current={view === 'traces' ? 'page' : undefined}>
          Traces
        </Link>
        <Link to={scopedPath(scope, 'traces', { view: 'sessions' })} aria-current={view === 'sessions' ? 'page' : undefined}>
          Sessions
        </Link>
      </nav>
      <RequireProject page="traces">
        {(projectId) => (view === 'sessions' ? <Sessions projectId={projectId} /> : <Traces projectId={projectId} />)}
      </RequireProject>
    </>
  );
}

/** A decimal amount as the API takes it: digits, an optional fraction, never an exponent or a sign. */
export const DECIMAL = /^\d+(\.\d+)?$/;

/** The filters of the list, as the URL holds them, turned into the API's query. */
export function tracesQuery(params: {
  range: { from: string; to: string };
  status: string;
  flag: string;
  user: string;
  session: string;
  name: string;
  minCost: string;
  tag: string;
  cursor: string;
}): TracesQuery {
  const { range, status, flag, user, session, name, minCost, tag, cursor } = params;
  return {
    ...range,
    limit: 50,
    ...(status === 'ok' || status === 'error' ? { status } : {}),
    ...(FLAG_TYPES.includes(flag as FlagType) ? { flag: flag as FlagType } : {}),
    ...(user ? { userId: user } : {}),
    ...(session ? { sessionId: session } : {}),
    ...(name ? { name } : {}),
    ...(DECIMAL.test(minCost) ? { minCost } : {}),
    ...(tag.includes(':') ? { tag } : {}),
    ...(cursor ? { cursor } : {}),
  };
}

function TextFilter({ label, value, onChange, hint }: { label: string; value: string; onChange: (v: string) => void; hint?: string }) {
  return (
    <Field
      label={label}
      placeholder="any"
      hint={hint}
      defaultValue={value}
      onBlur={(e) => e.target.value.trim() !== value && onChange(e.target.value.trim())}
      onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
    />
  );
}

function Traces({ projectId }: { projectId: string }) {
  const [preset] = useUrlState<RangePreset>('range', '7d');
  const [status] = useUrlState('status', '');
  const [flag] = useUrlState('flag', '');
  const [user] = useUrlState('user', '');
  const [session] = useUrlState('session', '');
  const [name] = useUrlState('name', '');
  const [minCost] = useUrlState('minCost', '');
  const [tag] = useUrlState('tag', '');
  const [cursor, setCursor] = useUrlState('cursor', '');
  const patch = useUrlPatch();
  const range = useMemo(() => presetRange(preset), [preset]);
  const query = tracesQuery({ range, status, flag, user, session, name, minCost, tag, cursor });
  const page = useTraces(projectId, query);
  // A filter changes the result set: paging starts again.
  const filter = (key: string) => (value: string) => patch({ [key]: value === '7d' && key === 'range' ? '' : value, cursor: '' });
  const minCostError = minCost && !DECIMAL.test(minCost) ? 'A decimal amount, such as 0.05' : undefined;
  const tagError = tag && !tag.includes(':') ? 'key:value, such as feature:checkout' : undefined;

  return (
    <>
      <Card>
        <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
          <SelectField label="Range" value={preset} onChange={(e) => filter('range')(e.target.value)} options={RANGE_PRESETS} />
          <SelectField
            label="Status"
            value={status}
            onChange={(e) => filter('status')(e.target.value)}
            options={[
              { value: '', label: 'Any' },
              { value: 'ok', label: 'OK' },
              { value: 'error', label: 'Error' },
            ]}
          />
          <SelectField
            label="Flag"
            value={flag}
            onChange={(e) => filter('flag')(e.target.value)}
            options={[{ value: '', label: 'Any' }, ...FLAG_TYPES.map((f) => ({ value: f, label: FLAG_LABELS[f] }))]}
          />
          <TextFilter label="Name" value={name} onChange={filter('name')} />
          <TextFilter label="End user" value={user} onChange={filter('user')} />
          <TextFilter label="Session" value={session} onChange={filter('session')} />
          <Field
            label="Min cost (USD)"
            placeholder="0"
            inputMode="decimal"
            defaultValue={minCost}
            error={minCostError}
            onBlur={(e) => e.target.value.trim() !== minCost && filter('minCost')(e.target.value.trim())}
            onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
          />
          <Field
            label="Tag"
            placeholder="key:value"
            defaultValue={tag}
            error={tagError}
            onBlur={(e) => e.target.value.trim() !== tag && filter('tag')(e.target.value.trim())}
            onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
          />
        </form>
      </Card>
      {page.isError ? (
        <ErrorNotice error={page.error} />
      ) : !page.data ? (
        <Loading label="Loading traces" />
      ) : (
        <Card>
          {page.data.data.length === 0 ? (
            <p className="muted">No trace matches. Traces arrive through the OTLP intake or the SDK&apos;s trace() API.</p>
          ) : (
            <TraceTable traces={page.data.data} label="Traces" />
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
      )}
    </>
  );
}

function Sessions({ projectId }: { projectId: string }) {
  const scope = useScope();
  const [preset] = useUrlState<RangePreset>('range', '7d');
  const [user] = useUrlState('user', '');
  const [cursor, setCursor] = useUrlState('cursor', '');
  const patch = useUrlPatch();
  const range = useMemo(() => presetRange(preset), [preset]);
  const page = useSessions(projectId, { ...range, limit: 50, ...(user ? { userId: user } : {}), ...(cursor ? { cursor } : {}) });
  const filter = (key: string) => (value: string) => patch({ [key]: value === '7d' && key === 'range' ? '' : value, cursor: '' });

  return (
    <>
      <Card>
        <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
          <SelectField label="Range" value={preset} onChange={(e) => filter('range')(e.target.value)} options={RANGE_PRESETS} />
          <TextFilter label="End user" value={user} onChange={filter('user')} />
        </form>
      </Card>
      {page.isError ? (
        <ErrorNotice error={page.error} />
      ) : !page.data ? (
        <Loading label="Loading sessions" />
      ) : (
        <Card>
          {page.data.data.length === 0 ? (
            <p className="muted">No session in this range. Spans carry one in session.id.</p>
          ) : (
            <div className="table-wrap">
              <table className="table" aria-label="Sessions">
                <thead>
                  <tr>
                    <th scope="col">Session</th>
                    <th scope="col">End user</th>
                    <th scope="col">Last activity (UTC)</th>
                    <th scope="col" className="num">
                      Traces
                    </th>
                    <th scope="col" className="num">
                      Flagged
                    </th>
                    <th scope="col" className="num">
                      Tokens
                    </th>
                    <th scope="col" className="num">
                      Cost
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {page.data.data.map((s) => (
                    <tr key={s.sessionId}>
                      <th scope="row">
                        <Link to={scopedPath(scope, `sessions/${encodeURIComponent(s.sessionId)}`)} className="truncate">
                          {s.sessionId}
                        </Link>
                      </th>
                      <td>
                        <span className="truncate">{s.userId ?? '—'}</span>
                      </td>
                      <td className="nowrap">{formatShortDateTime(s.lastEndedAt)}</td>
                      <td className="num">{formatCount(s.traces)}</td>
                      <td className="num">
                        {s.flaggedTraces > 0 ? <span className="badge badge-error">{formatCount(s.flaggedTraces)}</span> : 0}
                      </td>
                      <td className="num">{formatCount(s.tokens.total)}</td>
                      <td className="num">{formatMoney(s.cost)}</td>
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
      )}
    </>
  );
}
