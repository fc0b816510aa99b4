export {
  addDays,
  formatLocalDate,
  isValidTimeZone,
  localDateTime,
  localDayKey,
  periodContaining,
  startOfLocalDay,
  weekdayOf,
  type BudgetPeriod,
  type BudgetPeriodUnit,
  type LocalDate,
  type LocalDateTime,
  type PeriodOptions,
} from './calendar';
export {
  forecastPeriodEnd,
  percentOf,
  type DailySpend,
  type Forecast,
  type ForecastInput,
  type ForecastMethod,
  type ForecastOptions,
} from './forecast';
export { detectSpendAnomaly, robustBaseline, type HourlySpend, type SpendAnomaly, type SpendAnomalyOptions } from './anomaly';
export { detectErrorRateSpike, type ErrorRateOptions, type ErrorRateSpike, type RequestCounts } from './error-rate';
