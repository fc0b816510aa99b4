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
  forecastWithIntervals,
  percentOf,
  type DailySpend,
  type Forecast,
  type ForecastDay,
  type ForecastInput,
  type ForecastIntervals,
  type ForecastMethod,
  type ForecastOptions,
  type ForecastRange,
  type IntervalForecast,
  type IntervalOptions,
  type IntervalStatus,
} from './forecast';
export { detectSpendAnomaly, robustBaseline, type HourlySpend, type SpendAnomaly, type SpendAnomalyOptions } from './anomaly';
export { detectErrorRateSpike, type ErrorRateOptions, type ErrorRateSpike, type RequestCounts } from './error-rate';
