import { useMemo, type ReactNode } from 'react';
import { Link } from 'react-router';
import { useCostBreakdown, useCostSummary } from '../../shared/api/costs';
import type { Schemas } from '../../shared/api/schema';
import { useProjects } from '../../shared/api/tenancy';
import { dayBuckets, stackSeries } from '../../shared/chart/stack';
import { StackedBarChart } from '../../shared/chart/StackedBarChart';
import { formatCount, formatMoney, percentChange } from '../../shared/money';
import { scopedPath, useScope } from '../../shared/scope';
import { Card, ErrorNotice, Field, Loading, PageHeader, SelectField } from '../../shared/ui/ui';
import { useUrlState } from '../../shared/url-state';
import { BudgetBars } from '../budgets/BudgetBars';
import { useBudgets } from '../budgets/budgets.queries';
import { GettingStarted } from './GettingStarted';
import { ForecastChart } from './ForecastChart';
import { useForecast, useHasUsage, useOverviewWindows } from './overview.queries';
import { TopList } from './TopList';

/** Month to date, the forecast to month end, budgets, the daily stack and the top spenders of a project or organization. */
export default function OverviewPage() {
  const scope = useScope();
  const w = useOverviewWindows();
  const [stackParam, setStackBy] = useUrlState<'model' | 'provider' | 'project'>('stack', 'model');
  // By project only over the whole organization.
  const stackBy = stackParam === 'project' && scope.projectId ? 'model' : stackParam;
  const projects = useProjects(scope.orgId);
  const [tagKey, setTagKey] = useUrlState('tag', 'feature');
  const mtd = { from: w.monthStart.toISOString(), to: w.to.toISOString() };
  const chart = { from: w.chartFrom.toISOString(), to: w.to.toISOString() };

  const summary = useCostSummary(scope, mtd);
  const daily = useCostBreakdown(scope, { ...chart, groupBy: 'day', limit: 1000 });
  const split = useCostBreakdown(scope, { ...chart, groupBy: 'day', splitBy: stackBy, limit: 1000 });
  const models = useCostBreakdown(scope, { ...mtd, groupBy: 'model', limit: 5 });
  const tags = useCostBreakdown(scope, { ...mtd, groupBy: `tag:${tagKey || 'feature'}`, limit: 5 });
  const users = useCostBreakdown(scope, { ...mtd, groupBy: 'user', limit: 5 });
  const budgets = useBudgets(scope.orgId);

  const windowEmpty = daily.data !== undefined && daily.data.rows.length === 0;
  const hasUsage = useHasUsage(scope, windowEmpty);

  const buckets = useMemo(() => dayBuckets(w.chartFrom, w.to), [w.chartFrom, w.to]);
  const series = useMemo(() => {
    if (!daily.data || !split.data) return [];
    const stacked = stackSeries(buckets, daily.data.rows, split.data.rows);
    if (stackBy !== 'project') return stacked;
    const names = new Map((projects.data ?? []).map((p) => [p.id, p.name]));
    return stacked.map((s) => ({ ...s, label: names.get(s.label) ?? s.label }));
  }, [buckets, daily.data, split.data, stackBy, projects.data]);

  const forecast = useForecast(scope).data;

  // Nothing in 30 days: the getting-started steps if there never was usage, else the overview of an idle month.
  if (windowEmpty && !hasUsage.isError && hasUsage.data !== true) {
    return hasUsage.data === false ? <GettingStarted scope={scope} /> : <Loading label="Loading the overview" />;
  }
  if (summary.isError) return <ErrorNotice error={summary.error} />;
  if (!summary.data || !daily.data) return <Loading label="Loading the overview" />;

  const { current, previous } = summary.data;
  const currency = current.cost.currency;
  const change = percentChange(current.cost.amount, previous.cost.amount);
  const relevantBudgets = (budgets.data ?? []).filter(
    (b) => !scope.projectId || b.scope.type === 'organization' || (b.scope.type === 'project' && b.scope.projectId === scope.projectId),
  );

  return (
    <>
      <PageHeader
        title="Overview"
        description={`${scope.projectId ? 'This project' : 'All projects of the organization'}, month to date (UTC). Amounts in ${currency}.`}
      />
      {current.unpriced > 0 && (
        <div className="notice notice-warning" role="alert">
          <strong>{formatCount(current.unpriced)} records this month have no price</strong>: their cost is not in these totals until a price
          arrives. <Link to={scopedPath(scope, 'pricing')}>Add a price override</Link> or{' '}
          <Link to={scopedPath(scope, scope.projectId ? 'usage' : 'costs')}>see which models</Link>.
        </div>
      )}
      <div className="stats">
        <Stat label="Spend, month to date" value={formatMoney(current.cost)} testId="mtd-spend">
          {change ? (
            <>
              {change} vs. {formatMoney(previous.cost)} the {dayCount(previous.from, previous.to)} days before
            </>
          ) : (
            <>Nothing spent the {dayCount(previous.from, previous.to)} days before</>
          )}
        </Stat>
        <Stat
          label="Forecast to month end"
          value={forecast ? formatMoney({ amount: forecast.projected, currency }) : '—'}
          testId="forecast"
        >
          {forecast ? forecastNote(forecast) : null}
        </Stat>
        <Stat label="Requests" value={formatCount(current.requests)}>
          {formatCount(current.errors)} errors
        </Stat>
        <Stat label="Tokens" value={formatCount(current.tokens.total)}>
          {formatCount(current.tokens.input)} in, {formatCount(current.tokens.output)} out
        </Stat>
        {summary.data.traces.total > 0 && (
          <Stat label="Flagged traces" value={formatCount(summary.data.traces.flagged)} testId="flagged-traces">
            of {formatCount(summary.data.traces.total)} traces.{' '}
            <Link to={scopedPath(scope, 'traces', { range: 'mtd' })}>See the traces</Link>
          </Stat>
        )}
      </div>

      {forecast && forecast.daily.length > 0 && (
        <Card title="Month-end forecast">
          <ForecastChart
            forecast={forecast}
            label={`Spend this month, cumulative, projected to ${formatMoney({ amount: forecast.projected, currency })} at month end`}
          />
        </Card>
      )}

      {relevantBudgets.length > 0 && (
        <Card title="Budgets" actions={<Link to={scopedPath(scope, 'budgets')}>All budgets</Link>}>
          <BudgetBars budgets={relevantBudgets} />
        </Card>
      )}

      <Card
        title="Daily spend, last 30 days"
        actions={
          <SelectField
            label="Stack by"
            value={stackBy}
            onChange={(e) => setStackBy(e.target.value as 'model' | 'provider' | 'project')}
            options={[
              { value: 'model', label: 'Model' },
              { value: 'provider', label: 'Provider' },
              ...(scope.projectId ? [] : [{ value: 'project', label: 'Project' }]),
            ]}
          />
        }
      >
        {split.isError ? (
          <ErrorNotice error={split.error} />
        ) : (
          <StackedBarChart
            buckets={buckets}
            series={series}
            currency={currency}
            label={`Daily spend by ${stackBy} over the last 30 days; the tables below list the top spenders.`}
          />
        )}
      </Card>

      <div className="grid-3">
        <TopList title="Top models" query={models} keyLabel="Model" />
        <TopList
          title="Top features"
          query={tags}
          keyLabel={`Tag “${tagKey}”`}
          empty={`No usage carries the tag “${tagKey}” this month.`}
          actions={
            <Field
              label="Tag"
              defaultValue={tagKey}
              maxLength={64}
              className="input-small"
              onBlur={(e) => setTagKey(e.target.value.trim() || 'feature')}
              onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
            />
          }
        />
        <TopList title="Top end users" query={users} keyLabel="User" nullLabel="(no user)" />
      </div>
    </>
  );
}

function Stat({ label, value, children, testId }: { label: string; value: string; children?: ReactNode; testId?: string }) {
  return (
    <div className="stat">
      <p className="stat-label">{label}</p>
      <p className="stat-value" data-testid={testId}>
        {value}
      </p>
      {children && <p className="stat-note muted">{children}</p>}
    </div>
  );
}

function dayCount(from: string, to: string): string {
  const days = (Date.parse(to) - Date.parse(from)) / 86_400_000;
  return days >= 1 ? String(Math.round(days)) : days.toFixed(1);
}

const FORECAST_NOTES: Record<string, string> = {
  'weighted-average': 'From recent days, the latest weighing most.',
  'weekday-seasonal': 'From recent days, by weekday.',
  'period-run-rate': 'From this month’s pace so far.',
  'spend-to-date': 'Too early in the month to extrapolate.',
};
function forecastNote(forecast: Schemas['ForecastDto']): string {
  const method = FORECAST_NOTES[forecast.method] ?? '';
  const p80 = forecast.intervals?.p80;
  const currency = forecast.currency;
  return p80
    ? `${method} 80 % likely between ${formatMoney({ amount: p80.low, currency })} and ${formatMoney({ amount: p80.high, currency })}.`
    : method;
}
