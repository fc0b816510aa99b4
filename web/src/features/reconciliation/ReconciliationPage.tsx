import { useMemo } from 'react';
import { Link } from 'react-router';
import { useProjects } from '../../shared/api/tenancy';
import type { Schemas } from '../../shared/api/schema';
import { presetRange, RANGE_PRESETS, type RangePreset } from '../../shared/dates';
import { formatCount, formatMoney, sumMoney } from '../../shared/money';
import { scopedPath, useScope } from '../../shared/scope';
import { Card, ErrorNotice, Loading, PageHeader, QueryView, SelectField } from '../../shared/ui/ui';
import { useUrlPatch, useUrlState } from '../../shared/url-state';
import { BilledRecordedChart, type DayFigures } from './BilledRecordedChart';
import { useReconciliation, useReconciliationSettings, useTokenReconciliation, type ReconciliationGroupBy } from './reconciliation.queries';

type Row = Schemas['ReconciliationRowDto'];
type Status = Row['status'];

const GROUPS: { value: ReconciliationGroupBy; label: string }[] = [
  { value: 'day', label: 'Day and provider' },
  { value: 'model', label: 'Model' },
  { value: 'project', label: 'Project' },
];
const STATUS_TEXT: Record<Status, string> = {
  matched: 'Matched',
  unrecorded: 'Unrecorded',
  overrecorded: 'Overrecorded',
  pending: 'Pending',
};
const STATUS_HELP: Record<Status, string> = {
  matched: 'within the tolerance',
  unrecorded: 'billed but not recorded: callers that bypass instrumentation',
  overrecorded: 'recorded above the bill: wrong prices, duplicates or failed calls counted',
  pending: 'the UTC day is not over, or no import has covered it yet',
};

export function StatusBadge({ status }: { status: Status }) {
  return (
    <span className={`badge badge-${status}`} title={STATUS_HELP[status]}>
      {STATUS_TEXT[status]}
    </span>
  );
}

/**
 * What the providers billed against what was recorded, per UTC day: a chart, the table with its statuses and
 * totals, a drill-down by model or project (the grouping is in the URL), and the token-level view by model.
 */
export default function ReconciliationPage() {
  const scope = useScope();
  const { orgId } = scope;
  const [preset] = useUrlState<RangePreset>('range', '30d');
  const [groupBy, setGroupBy] = useUrlState<ReconciliationGroupBy>('group', 'day');
  const [provider, setProvider] = useUrlState('provider', '');
  const [day, setDay] = useUrlState('day', '');
  const patch = useUrlPatch();
  const range = useMemo(() => presetRange(preset === 'mtd' || preset === 'last-month' || preset === '7d' ? preset : '30d'), [preset]);
  const filters = { ...range, provider: provider || undefined };
  const daily = useReconciliation(orgId, { ...filters, groupBy: 'day' });
  const grouped = useReconciliation(orgId, { ...filters, groupBy });
  const tokens = useTokenReconciliation(orgId, filters, groupBy === 'model');
  const settings = useReconciliationSettings(orgId);
  const projects = useProjects(orgId);
  const projectName = (id: string | null | undefined) =>
    id == null ? 'No mapped project' : (projects.data?.find((p) => p.id === id)?.name ?? id);

  const chartDays = useMemo<DayFigures[]>(() => {
    const byDay = new Map<string, { billed: string[]; recorded: string[] }>();
    for (const r of daily.data?.rows ?? []) {
      const entry = byDay.get(r.day) ?? { billed: [], recorded: [] };
      entry.billed.push(r.billed.amount);
      entry.recorded.push(r.recorded.amount);
      byDay.set(r.day, entry);
    }
    return [...byDay.entries()].map(([d, e]) => ({
      day: `${d}T00:00:00.000Z`,
      billed: sumMoney(e.billed),
      recorded: sumMoney(e.recorded),
    }));
  }, [daily.data]);

  const rows = (grouped.data?.rows ?? []).filter((r) => !day || r.day === day);
  const tolerance = settings.data?.tolerance;

  return (
    <>
      <PageHeader
        title="Reconciliation"
        description={
          <>
            What OpenAI and Anthropic billed, imported by the <Link to={scopedPath(scope, 'providers')}>provider connections</Link>, against
            what LLMLab recorded, per UTC day.
            {tolerance && (
              <>
                {' '}
                A day matches within {tolerance.percent} % of the bill or{' '}
                {formatMoney({ amount: tolerance.amount, currency: 'USD' }, { exact: true })}.
              </>
            )}
          </>
        }
      />
      <Card>
        <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
          <SelectField
            label="Range"
            value={preset}
            onChange={(e) => patch({ range: e.target.value === '30d' ? '' : e.target.value, day: '' })}
            options={RANGE_PRESETS.filter((p) => p.value !== '24h')}
          />
          <SelectField
            label="Rows"
            value={groupBy}
            onChange={(e) => setGroupBy(e.target.value as ReconciliationGroupBy)}
            options={GROUPS}
          />
          <SelectField
            label="Provider"
            value={provider}
            onChange={(e) => setProvider(e.target.value)}
            options={[
              { value: '', label: 'All' },
              { value: 'openai', label: 'OpenAI' },
              { value: 'anthropic', label: 'Anthropic' },
            ]}
          />
          {day && (
            <button type="button" className="btn btn-small" onClick={() => setDay('')}>
              All days (now {day})
            </button>
          )}
        </form>
      </Card>

      <Card title="Billed and recorded per day (UTC)">
        <QueryView query={daily}>
          {(report) =>
            report.rows.length === 0 ? (
              <p className="muted">
                Nothing imported yet: <Link to={scopedPath(scope, 'providers')}>add a provider connection</Link> to import what the
                providers billed.
              </p>
            ) : (
              <>
                <BilledRecordedChart
                  days={chartDays}
                  currency="USD"
                  label="Billed (bars) and recorded (line) spend per UTC day; the table below has every figure."
                />
                <Totals totals={report.totals} />
              </>
            )
          }
        </QueryView>
      </Card>

      <Card title={groupBy === 'day' ? 'Days' : groupBy === 'model' ? 'By model' : 'By project'}>
        {grouped.isError ? (
          <ErrorNotice error={grouped.error} />
        ) : !grouped.data ? (
          <Loading />
        ) : rows.length === 0 ? (
          <p className="muted">Nothing billed or recorded in this range.</p>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <caption className="visually-hidden">Billed against recorded spend, in USD</caption>
              <thead>
                <tr>
                  <th scope="col">Day (UTC)</th>
                  <th scope="col">Provider</th>
                  {groupBy === 'model' && <th scope="col">Model</th>}
                  {groupBy === 'project' && <th scope="col">Project</th>}
                  <th scope="col" className="num">
                    Billed (USD)
                  </th>
                  <th scope="col" className="num">
                    Recorded (USD)
                  </th>
                  <th scope="col" className="num">
                    Difference (USD)
                  </th>
                  <th scope="col" className="num">
                    Difference (%)
                  </th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={`${r.day}/${r.provider}/${r.model ?? r.projectId ?? ''}`}>
                    <th scope="row">
                      {groupBy === 'day' ? (
                        <button
                          type="button"
                          className="link-button"
                          onClick={() => patch({ group: 'model', day: r.day, provider: r.provider })}
                          aria-label={`Models of ${r.provider} on ${r.day}`}
                        >
                          {r.day}
                        </button>
                      ) : (
                        r.day
                      )}
                    </th>
                    <td>{r.provider}</td>
                    {groupBy === 'model' && <td>{r.model}</td>}
                    {groupBy === 'project' && <td>{projectName(r.projectId)}</td>}
                    <td className="num">{formatMoney(r.billed)}</td>
                    <td className="num">{formatMoney(r.recorded)}</td>
                    <td className="num">{formatMoney(r.delta)}</td>
                    <td className="num">{r.deltaPercent === null ? '–' : `${r.deltaPercent} %`}</td>
                    <td>
                      <StatusBadge status={r.status} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>

      {groupBy === 'model' && (
        <Card title="Tokens by model: recorded against the providers' usage reports">
          <QueryView query={tokens}>
            {(report) => {
              const tokenRows = report.rows.filter((r) => !day || r.day === day);
              return tokenRows.length === 0 ? (
                <p className="muted">No usage report in this range.</p>
              ) : (
                <div className="table-wrap">
                  <table className="table">
                    <thead>
                      <tr>
                        <th scope="col">Day (UTC)</th>
                        <th scope="col">Model</th>
                        <th scope="col" className="num">
                          Input (reported / recorded)
                        </th>
                        <th scope="col" className="num">
                          Output (reported / recorded)
                        </th>
                        <th scope="col" className="num">
                          Cached input (reported / recorded)
                        </th>
                        <th scope="col">Status</th>
                      </tr>
                    </thead>
                    <tbody>
                      {tokenRows.map((r) => (
                        <tr key={`${r.day}/${r.provider}/${r.model}`}>
                          <th scope="row">{r.day}</th>
                          <td>
                            {r.provider} {r.model}
                          </td>
                          <td className="num">
                            {formatCount(r.reported.input)} / {formatCount(r.recorded.input)}
                          </td>
                          <td className="num">
                            {formatCount(r.reported.output)} / {formatCount(r.recorded.output)}
                          </td>
                          <td className="num">
                            {formatCount(r.reported.cachedInput)} / {formatCount(r.recorded.cachedInput)}
                          </td>
                          <td>
                            <StatusBadge status={r.status} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              );
            }}
          </QueryView>
        </Card>
      )}
    </>
  );
}

function Totals({ totals }: { totals: Schemas['ReconciliationTotalsDto'] }) {
  const stat = (label: string, value: string) => (
    <div className="stat">
      <p className="stat-label">{label}</p>
      <p className="stat-value">{value}</p>
    </div>
  );
  const { matched, unrecorded, overrecorded, pending } = totals.rows;
  return (
    <>
      <div className="stats" aria-label="Totals of the complete days">
        {stat('Billed', formatMoney(totals.billed))}
        {stat('Recorded', formatMoney(totals.recorded))}
        {stat('Unrecorded', formatMoney(totals.unrecorded))}
        {stat('Overrecorded', formatMoney(totals.overrecorded))}
      </div>
      <p className="muted small">
        Rows: {matched} matched, {unrecorded} unrecorded, {overrecorded} overrecorded, {pending} pending (left out of the totals).
      </p>
    </>
  );
}
