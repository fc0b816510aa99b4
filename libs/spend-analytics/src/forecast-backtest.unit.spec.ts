import { backtest, type BacktestResult, type SeriesKind } from '@llmlab/testing';

/**
 * The forecast against the truth (docs/forecasting.md, "Forecast accuracy"): month-end projections from every day
 * of March, April and May on synthetic series whose every day is known, beside the naive run rate of the month so
 * far. `npm run eval:forecast` prints the same table on held-out seeds.
 */
const KINDS: SeriesKind[] = ['seasonal', 'trend', 'level-shift', 'sparse'];
const SEEDS = [1, 2, 3];
/** A forecast every third day of the month: consecutive days' forecasts are much alike, and this keeps it to seconds. */
const ORIGIN_STEP = 3;

describe('forecast back-test', () => {
  let results: BacktestResult[];

  beforeAll(() => {
    results = KINDS.map((kind) => backtest(kind, SEEDS, ORIGIN_STEP));
  }, 120_000);

  it('forecasts every origin, with intervals from a full set of one-day-ahead errors', () => {
    expect(results.map((r) => [r.kind, r.forecasts, r.withIntervals])).toEqual(KINDS.map((kind) => [kind, 90, 90]));
  });

  it('beats the naive run rate on every kind of series, most where the month has just begun', () => {
    for (const r of results) {
      expect({ kind: r.kind, better: r.mape < 0.85 * r.naiveMape }).toEqual({ kind: r.kind, better: true });
      expect({ kind: r.kind, better: r.mapeFirstHalf < 0.75 * r.naiveMapeFirstHalf }).toEqual({ kind: r.kind, better: true });
      expect(r.mapeSecondHalf).toBeLessThan(r.mapeFirstHalf);
    }
  });

  it('covers the actual month-end total about as often as its intervals say', () => {
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const pooled80 = mean(results.map((r) => r.foreseeableCoverage80));
    const pooled95 = mean(results.map((r) => r.foreseeableCoverage95));
    expect(pooled80).toBeGreaterThanOrEqual(75);
    expect(pooled80).toBeLessThanOrEqual(90);
    expect(pooled95).toBeGreaterThanOrEqual(90);
    expect(pooled95).toBeLessThanOrEqual(99);
    for (const r of results) {
      expect({ kind: r.kind, coverage80: r.foreseeableCoverage80 >= 65 && r.foreseeableCoverage80 <= 92 }).toEqual({
        kind: r.kind,
        coverage80: true,
      });
      expect({ kind: r.kind, coverage95: r.foreseeableCoverage95 >= 82 && r.foreseeableCoverage95 < 100 }).toEqual({
        kind: r.kind,
        coverage95: true,
      });
      expect(r.coverage95).toBeGreaterThan(r.coverage80);
    }
  });

  it('misses more often when a level shift no history announces is still ahead in the month', () => {
    const shift = results.find((r) => r.kind === 'level-shift')!;
    expect(shift.shiftAhead).toBeGreaterThan(10);
    expect(shift.coverage80).toBeLessThan(shift.foreseeableCoverage80);
    expect(results.filter((r) => r.kind !== 'level-shift').every((r) => r.shiftAhead === 0)).toBe(true);
  });
});
