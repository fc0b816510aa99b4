import { useMemo, useState } from 'react';
import { useCostBreakdown } from '../../shared/api/costs';
import { useProjects } from '../../shared/api/tenancy';
import { dayBuckets, hourBuckets, stackSeries } from '../../shared/chart/stack';
import { StackedBarChart } from '../../shared/chart/StackedBarChart';
import { presetRange, RANGE_PRESETS, type RangePreset } from '../../shared/dates';
import { formatCount, formatMoney, percentOf, sumMoney } from '../../shared/money';
import { useScope } from '../../shared/scope';
import { Card, ErrorNotice, Field, Loading, PageHeader, SelectField } from '../../shared/ui/ui';
import { useUrlPatch, useUrlState } from '../../shared/url-state';
import { ExportButtons } from './ExportButtons';

const GROUPS = [
  { value: 'model', label: 'Model' },
  { value: 'provider', label: 'Provider' },
  { value: 'day', label: 'Day (UTC)' },
  { value: 'hour', label: 'Hour (UTC)' },
  { value: 'user', label: 'End user' },
  { value: 'tag', label: 'Tag…' },
];

/** Any range, grouped by provider, model, day, hour, user or a tag, filtered by provider and model: chart, table, export. */
export default function CostExplorerPage() {
  const scope = useScope();
  const [preset] = useUrlState<RangePreset | 'custom'>('range', '30d');
  const [fromParam, setFrom] = useUrlState('from', '');
  const [toParam, setTo] = useUrlState('to', '');
  const patch = useUrlPatch();
  const [groupParam, setGroup] = useUrlState('group', 'model');
  const [tag, setTag] = useUrlState('tag', 'feature');
  const [provider, setProvider] = useUrlState('provider', '');
  const [model, setModel] = useUrlState('model', '');
  const [stackBy, setStackBy] = useUrlState<'model' | 'provider' | 'project'>('stack', 'model');
  const [search, setSearch] = useState('');

  const range = useMemo(() => {
    if (preset === 'custom' && fromParam && toParam)
      return { from: new Date(`${fromParam}Z`).toISOString(), to: new Date(`${toParam}Z`).toISOString() };
    return presetRange(preset === 'custom' ? '30d' : preset);
  }, [preset, fromParam, toParam]);
  // Group by project only over the whole organization.
  const group = groupParam === 'project' && scope.projectId ? 'model' : groupParam;
  const groupBy = group === 'tag' ? `tag:${tag || 'feature'}` : group;
  const timeGrouped = group === 'day' || group === 'hour';
  const filters = { provider: provider || undefined, model: model || undefined };
  const effectiveStack = stackBy === 'project' && scope.projectId ? 'model' : stackBy;

  const table = useCostBreakdown(scope, { ...range, groupBy, limit: 1000, ...filters });
  const split = useCostBreakdown(scope, { ...range, groupBy, splitBy: effectiveStack, limit: 1000, ...filters }, { enabled: timeGrouped });

  const buckets = useMemo(() => {
    if (!timeGrouped) return [];
    const from = new Date(range.from);
    const to = new Date(range.to);
    return group === 'hour' ? hourBuckets(from, to).slice(-24 * 62) : dayBuckets(from, to);
  }, [timeGrouped, group, range.from, range.to]);
  const projects = useProjects(scope.orgId);
  const series = useMemo(() => {
    if (!timeGrouped || !table.data || !split.data) return [];
    const stacked = stackSeries(buckets, table.data.rows, split.data.rows, 8);
    if (effectiveStack !== 'project') return stacked;
    const names = new Map((projects.data ?? []).map((p) => [p.id, p.name]));
    return stacked.map((s) => ({ ...s, label: names.get(s.label) ?? s.label }));
  }, [timeGrouped, buckets, table.data, split.data, effectiveStack, projects.data]);

  const rows = (table.data?.rows ?? []).filter((r) => !search || (r.key ?? '').toLowerCase().includes(search.toLowerCase()));
  const total = sumMoney((table.data?.rows ?? []).map((r) => r.cost.amount));
  const sorted = timeGrouped ? [...rows].sort((a, b) => (a.key ?? '').localeCompare(b.key ?? '')) : rows;

  return (
    <>
      <PageHeader
        title="Cost explorer"
        description={scope.projectId ? 'This project.' : 'All projects of the organization.'}
        actions={<ExportButtons scope={scope} range={range} model={model} />}
      />
      <Card>
        <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
          <SelectField
            label="Range"
            value={preset}
            onChange={(e) => {
              const next = e.target.value as RangePreset | 'custom';
              if (next === 'custom') patch({ range: 'custom', from: range.from.slice(0, 16), to: range.to.slice(0, 16) });
              else patch({ range: next === '30d' ? '' : next, from: '', to: '' });
            }}
            options={[...RANGE_PRESETS, { value: 'custom', label: 'Custom…' }]}
          />
          {preset === 'custom' && (
            <>
              <Field label="From (UTC)" type="datetime-local" value={fromParam} onChange={(e) => setFrom(e.target.value)} />
              <Field label="To (UTC)" type="datetime-local" value={toParam} onChange={(e) => setTo(e.target.value)} />
            </>
          )}
          <SelectField
            label="Group by"
            value={group}
            onChange={(e) => setGroup(e.target.value)}
            options={scope.projectId ? GROUPS : [...GROUPS, { value: 'project', label: 'Project' }]}
          />
          {group === 'tag' && (
            <Field
              label="Tag name"
              defaultValue={tag}
              maxLength={64}
              onBlur={(e) => setTag(e.target.value.trim())}
              onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
            />
          )}
          {timeGrouped && (
            <SelectField
              label="Stack by"
              value={effectiveStack}
              onChange={(e) => setStackBy(e.target.value as 'model' | 'provider' | 'project')}
              options={[
                { value: 'model', label: 'Model' },
                { value: 'provider', label: 'Provider' },
                ...(scope.projectId ? [] : [{ value: 'project', label: 'Project' }]),
              ]}
            />
          )}
          <Field
            label="Provider"
            placeholder="any"
            defaultValue={provider}
            onBlur={(e) => setProvider(e.target.value.trim())}
            onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
          />
          <Field
            label="Model"
            placeholder="any"
            defaultValue={model}
            onBlur={(e) => setModel(e.target.value.trim())}
            onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
          />
        </form>
      </Card>

      {table.isError ? (
        <ErrorNotice error={table.error} />
      ) : !table.data ? (
        <Loading />
      ) : (
        <>
          {timeGrouped && (
            <Card title={`Spend by ${group === 'hour' ? 'hour' : 'day'}, stacked by ${effectiveStack}`}>
              {split.isError ? (
                <ErrorNotice error={split.error} />
              ) : (
                <StackedBarChart
                  buckets={buckets}
                  series={series}
                  currency="USD"
                  hourly={group === 'hour'}
                  label={`Spend by ${group}, stacked by ${effectiveStack}; the table below has every figure.`}
                />
              )}
            </Card>
          )}
          <Card
            title={`${formatMoney({ amount: total, currency: 'USD' })} over ${table.data.rows.length} ${table.data.rows.length === 1 ? 'group' : 'groups'}`}
            actions={<Field label="Find in table" type="search" value={search} onChange={(e) => setSearch(e.target.value)} />}
          >
            {sorted.length === 0 ? (
              <p className="muted">No usage in this range{filters.provider || filters.model ? ' with these filters' : ''}.</p>
            ) : (
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">
                        {group === 'project' ? 'Project' : GROUPS.find((g) => g.value === group)?.label.replace('…', ` “${tag}”`)}
                      </th>
                      <th scope="col" className="num">
                        Cost (USD)
                      </th>
                      <th scope="col" className="num">
                        Share
                      </th>
                      <th scope="col" className="num">
                        Requests
                      </th>
                      <th scope="col" className="num">
                        Errors
                      </th>
                      <th scope="col" className="num">
                        Unpriced
                      </th>
                      <th scope="col" className="num">
                        Input tokens
                      </th>
                      <th scope="col" className="num">
                        Output tokens
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {sorted.map((r) => (
                      <tr key={r.key ?? '∅'}>
                        <th scope="row">
                          <span className="truncate" title={r.key ?? ''}>
                            {r.key === null
                              ? '(none)'
                              : timeGrouped
                                ? r.key.replace('T', ' ').slice(0, group === 'day' ? 10 : 16)
                                : group === 'project'
                                  ? (projects.data?.find((p) => p.id === r.key)?.name ?? r.key)
                                  : r.key}
                          </span>
                        </th>
                        <td className="num">{formatMoney(r.cost, { exact: true })}</td>
                        <td className="num">{percentOf(r.cost.amount, total)}%</td>
                        <td className="num">{formatCount(r.requests)}</td>
                        <td className="num">{formatCount(r.errors)}</td>
                        <td className="num">{r.unpriced > 0 ? <strong>{formatCount(r.unpriced)}</strong> : 0}</td>
                        <td className="num">{formatCount(r.tokens.input)}</td>
                        <td className="num">{formatCount(r.tokens.output)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Card>
        </>
      )}
    </>
  );
}
