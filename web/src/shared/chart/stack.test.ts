import { dayBuckets, stackSeries } from './stack';

const row = (key: string, amount: string, split?: string) => ({
  key,
  ...(split ? { split } : {}),
  cost: { amount, currency: 'USD' as const },
  requests: 1,
  errors: 0,
  unpriced: 0,
  tokens: { input: 0, output: 0, cachedInput: 0, cacheWrite: 0, reasoning: 0, total: 0 },
});

describe('stacked series from a split breakdown', () => {
  const days = dayBuckets(new Date('2026-12-01T00:00:00Z'), new Date('2026-12-03T12:00:00Z'));

  it('lists every UTC day of the range, the last partial one included', () => {
    expect(days).toEqual(['2026-12-01T00:00:00.000Z', '2026-12-02T00:00:00.000Z', '2026-12-03T00:00:00.000Z']);
  });

  it('keeps the largest splits and puts the rest, exactly, in Other, so stacks add up to the day totals', () => {
    const totals = [row(days[0], '3.000000000001'), row(days[2], '0.5')];
    const split = [
      row(days[0], '2', 'gpt-4o'),
      row(days[0], '1', 'claude'),
      row(days[0], '0.000000000001', 'tiny'),
      row(days[2], '0.5', 'claude'),
    ];
    expect(stackSeries(days, totals, split, 2)).toEqual([
      { label: 'gpt-4o', values: ['2', '0', '0'] },
      { label: 'claude', values: ['1', '0', '0.5'] },
      { label: 'Other', values: ['0.000000000001', '0', '0'] },
    ]);
  });

  it('has no Other when the chosen splits cover everything', () => {
    expect(stackSeries(days, [row(days[1], '1')], [row(days[1], '1', 'm')])).toEqual([{ label: 'm', values: ['0', '1', '0'] }]);
  });
});
