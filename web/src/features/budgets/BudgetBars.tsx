import type { Schemas } from '../../shared/api/schema';
import { formatMoney } from '../../shared/money';

type Budget = Schemas['BudgetDto'];

/** A budget's live spend as a bar, its forecast as a marker, its thresholds as ticks. */
export function BudgetBar({ budget }: { budget: Budget }) {
  const { current } = budget;
  const spent = Math.min(100, Number(current.percentage));
  const projected = Math.min(100, Number(current.forecast.percentage));
  const level = Number(current.percentage) >= 100 ? 'over' : current.thresholdsReached.length > 0 ? 'warn' : 'ok';
  return (
    <div className="budget">
      <div className="budget-head">
        <span>
          <span className="truncate budget-name" title={budget.name}>
            {budget.name}
          </span>
          {budget.enforce && (
            <span className="badge" title="The proxy answers 429 to the calls this budget covers once it is spent">
              enforced
            </span>
          )}
        </span>
        <span className="muted">
          {formatMoney(current.spend)} of {formatMoney(budget.amount)} ({current.percentage}%) · {budget.period}
        </span>
      </div>
      <div
        className={`meter meter-${level}`}
        role="meter"
        aria-label={`${budget.name}: spend`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={spent}
        aria-valuetext={`${current.percentage}% of the budget spent; forecast ${current.forecast.percentage}%`}
      >
        <span className="meter-fill" style={{ width: `${spent}%` }} />
        <span className="meter-forecast" style={{ left: `${projected}%` }} title={`Forecast: ${formatMoney(current.forecast.projected)}`} />
        {budget.thresholds
          .filter((t) => t < 100)
          .map((t) => (
            <span key={t} className="meter-tick" style={{ left: `${t}%` }} />
          ))}
      </div>
      <p className="muted small">
        Forecast {formatMoney(current.forecast.projected)} ({current.forecast.percentage}%) by{' '}
        {new Date(current.period.end).toUTCString().slice(5, 16)}
        {current.unpricedRecords > 0 ? ` · ${current.unpricedRecords} unpriced records not counted` : ''}
      </p>
    </div>
  );
}

export function BudgetBars({ budgets }: { budgets: Budget[] }) {
  return (
    <div className="budgets">
      {budgets.map((b) => (
        <BudgetBar key={b.id} budget={b} />
      ))}
    </div>
  );
}
