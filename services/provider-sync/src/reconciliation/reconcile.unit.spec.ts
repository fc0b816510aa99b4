import { DEFAULT_RECONCILIATION_TOLERANCE, type ReconciliationStatus } from '@llmlab/contracts';
import { Money } from '@llmlab/domain';
import { classify, reconcile, reconcileTokens, type SpendFigure } from './reconcile';

const DAY = 86_400_000;
const tolerance = DEFAULT_RECONCILIATION_TOLERANCE;

describe('classify', () => {
  const status = (billed: string, recorded: string, t = tolerance) => classify(new Money(billed), new Money(recorded), t);

  it('matches within 1 % of the bill or 0.01 USD, whichever is larger, and names the direction otherwise', () => {
    expect(status('100', '99')).toBe('matched');
    expect(status('100', '98.999999999999')).toBe('unrecorded');
    expect(status('100', '101')).toBe('matched');
    expect(status('100', '101.000000000001')).toBe('overrecorded');
    expect(status('0.5', '0.49')).toBe('matched');
    expect(status('0.5', '0.489999')).toBe('unrecorded');
    expect(status('0', '0.01')).toBe('matched');
    expect(status('0', '0.02')).toBe('overrecorded');
    expect(status('100', '95', { percent: '5', amount: '0' })).toBe('matched');
  });
});

// A synthetic month whose truth is known: 30 complete UTC days and today, two providers. Days 0-9 matched (the
// recorded side off by rounding only), days 10-19 with an un-instrumented caller on openai, days 20-24
// overrecorded on anthropic (a wrong price), days 25-29 matched, today pending.
describe('reconcile: a synthetic month', () => {
  const now = new Date(Date.UTC(2026, 2, 31, 15, 30));
  const from = new Date(Date.UTC(2026, 2, 1));
  const to = new Date(Date.UTC(2026, 3, 1));
  const day = (n: number) => new Date(from.getTime() + n * DAY).toISOString().slice(0, 10);
  const billed: SpendFigure[] = [];
  const recorded: SpendFigure[] = [];
  const truth = { billed: new Money(0), recorded: new Money(0), unrecorded: new Money(0), overrecorded: new Money(0) };
  const expected: Record<string, ReconciliationStatus> = {};
  for (let n = 0; n < 31; n += 1) {
    const openai = new Money(40).plus(n).plus('0.123456789012');
    const anthropic = new Money(25).plus(new Money(n).div(4));
    let openaiRecorded = openai.minus('0.000000000001');
    let anthropicRecorded = anthropic;
    if (n >= 10 && n < 20) openaiRecorded = openai.times('0.8').toDecimalPlaces(12);
    if (n >= 20 && n < 25) anthropicRecorded = anthropic.times('1.15').toDecimalPlaces(12);
    // Two models per provider on the billed side, one model on the recorded side: the day totals do not care.
    billed.push({ day: day(n), provider: 'openai', key: 'gpt-4o', amount: openai.minus(3).toString() });
    billed.push({ day: day(n), provider: 'openai', key: 'gpt-4o-mini', amount: '3' });
    billed.push({ day: day(n), provider: 'anthropic', key: 'claude-sonnet-4-5', amount: anthropic.toString() });
    recorded.push({ day: day(n), provider: 'openai', key: 'gpt-4o', amount: openaiRecorded.minus(3).toString() });
    recorded.push({ day: day(n), provider: 'openai', key: 'gpt-4o-mini', amount: '3' });
    recorded.push({ day: day(n), provider: 'anthropic', key: 'claude-sonnet-4-5', amount: anthropicRecorded.toString() });
    // A provider nobody connected is not reconciled.
    recorded.push({ day: day(n), provider: 'mistral', key: 'mistral-large', amount: '7' });
    const today = n === 30;
    expected[`${day(n)}/openai`] = today ? 'pending' : n >= 10 && n < 20 ? 'unrecorded' : 'matched';
    expected[`${day(n)}/anthropic`] = today ? 'pending' : n >= 20 && n < 25 ? 'overrecorded' : 'matched';
    if (!today) {
      truth.billed = truth.billed.plus(openai).plus(anthropic);
      truth.recorded = truth.recorded.plus(openaiRecorded).plus(anthropicRecorded);
      if (n >= 10 && n < 20) truth.unrecorded = truth.unrecorded.plus(openai.minus(openaiRecorded));
      if (n >= 20 && n < 25) truth.overrecorded = truth.overrecorded.plus(anthropicRecorded.minus(anthropic));
    }
  }
  const all = [[{ from, to }]];
  const coverage = new Map([
    ['openai', all],
    ['anthropic', all],
  ]);
  const input = { days: { from, to }, providers: ['openai', 'anthropic'], billed, recorded, coverage, tolerance, now };

  it('gives every day of every connected provider its status, and totals within 0.5 % of the truth', () => {
    const { rows, totals } = reconcile({ ...input, groupBy: 'day' });
    expect(rows).toHaveLength(62);
    expect(Object.fromEntries(rows.map((r) => [`${r.day}/${r.provider}`, r.status]))).toEqual(expected);
    expect(totals.rows).toEqual({ matched: 45, unrecorded: 10, overrecorded: 5, pending: 2 });
    const within = (actual: string, truthValue: Money) => new Money(actual).minus(truthValue).abs().lte(truthValue.times('0.005'));
    expect(within(totals.billed.amount, truth.billed)).toBe(true);
    expect(within(totals.recorded.amount, truth.recorded)).toBe(true);
    expect(within(totals.unrecorded.amount, truth.unrecorded)).toBe(true);
    expect(within(totals.overrecorded.amount, truth.overrecorded)).toBe(true);
    // Exact, in fact: decimals throughout.
    expect(totals.billed.amount).toBe(truth.billed.toFixed(12));
    expect(totals.unrecorded.amount).toBe(truth.unrecorded.toFixed(12));
    expect(totals.delta.amount).toBe(truth.billed.minus(truth.recorded).toFixed(12));
  });

  it('shows one row exactly: delta = billed - recorded and its percent of the bill', () => {
    const { rows } = reconcile({ ...input, groupBy: 'day' });
    expect(rows.find((r) => r.day === day(10) && r.provider === 'openai')).toEqual({
      day: day(10),
      provider: 'openai',
      recorded: { amount: '40.098765431210', currency: 'USD' },
      billed: { amount: '50.123456789012', currency: 'USD' },
      delta: { amount: '10.024691357802', currency: 'USD' },
      deltaPercent: '20.00',
      status: 'unrecorded',
    });
  });

  it('drills down by model, keeping the day status rules', () => {
    const { rows } = reconcile({ ...input, groupBy: 'model' });
    const day10 = rows.filter((r) => r.day === day(10));
    expect(day10.map((r) => [r.provider, r.model, r.status])).toEqual([
      ['anthropic', 'claude-sonnet-4-5', 'matched'],
      ['openai', 'gpt-4o', 'unrecorded'],
      ['openai', 'gpt-4o-mini', 'matched'],
    ]);
  });

  it('keeps a day pending until an import covered it, and groups by project with unmapped spend as null', () => {
    const partial = new Map([['openai', [[{ from, to: new Date(Date.UTC(2026, 2, 20)) }]]]]);
    const { rows } = reconcile({ ...input, groupBy: 'day', coverage: partial });
    expect(rows.find((r) => r.day === day(18) && r.provider === 'openai')?.status).toBe('unrecorded');
    expect(rows.find((r) => r.day === day(19) && r.provider === 'openai')?.status).toBe('pending');
    expect(rows.filter((r) => r.provider === 'anthropic').every((r) => r.status === 'pending')).toBe(true);
    const byProject = reconcile({
      ...input,
      groupBy: 'project',
      billed: [{ day: day(1), provider: 'openai', key: '', amount: '5' }],
      recorded: [{ day: day(1), provider: 'openai', key: 'p-1', amount: '5' }],
    });
    expect(byProject.rows.map((r) => [r.projectId, r.status, r.deltaPercent])).toEqual([
      [null, 'unrecorded', '100.00'],
      ['p-1', 'overrecorded', null],
    ]);
  });

  it('keeps pending the days before the first import, in a gap between imports, and those one connection missed', () => {
    const range = (a: number, b: number) => ({ from: new Date(Date.UTC(2026, 2, a + 1)), to: new Date(Date.UTC(2026, 2, b + 1)) });
    // openai: imported days 10-14 and 20-29 (a gap between); anthropic: two connections, the second from day 5.
    const coverage = new Map([
      ['openai', [[range(10, 15), range(20, 30)]]],
      ['anthropic', [[range(0, 30)], [range(5, 30)]]],
    ]);
    const { rows } = reconcile({ ...input, groupBy: 'day', coverage });
    const statusOf = (provider: string, n: number) => rows.find((r) => r.day === day(n) && r.provider === provider)?.status;
    expect([0, 9, 15, 19].map((n) => statusOf('openai', n))).toEqual(['pending', 'pending', 'pending', 'pending']);
    expect([10, 14, 20, 29].map((n) => statusOf('openai', n))).toEqual(['unrecorded', 'unrecorded', 'matched', 'matched']);
    expect([0, 4, 5, 22].map((n) => statusOf('anthropic', n))).toEqual(['pending', 'pending', 'matched', 'overrecorded']);
  });
});

describe('reconcileTokens', () => {
  const now = new Date('2026-03-10T12:00:00Z');
  const coverage = new Map([['openai', [[{ from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-10T00:00:00Z') }]]]]);
  const counts = (input: number, output: number, cachedInput = 0, requests = 1) => ({ input, output, cachedInput, requests });

  it('tells a missing caller (tokens short) from a price error (tokens equal)', () => {
    const rows = reconcileTokens({
      reported: [
        { day: '2026-03-08', provider: 'openai', model: 'gpt-4o', counts: counts(1_000_000, 200_000, 400_000, 50) },
        { day: '2026-03-09', provider: 'openai', model: 'gpt-4o', counts: counts(1_000_000, 200_000) },
        { day: '2026-03-10', provider: 'openai', model: 'gpt-4o', counts: counts(10, 1) },
      ],
      recorded: [
        { day: '2026-03-08', provider: 'openai', model: 'gpt-4o', counts: counts(1_000_000, 200_000, 400_000, 50) },
        { day: '2026-03-09', provider: 'openai', model: 'gpt-4o', counts: counts(700_000, 150_000) },
        { day: '2026-03-09', provider: 'anthropic', model: 'claude', counts: counts(5, 5) },
      ],
      coverage,
      tolerancePercent: '1',
      now,
    });
    expect(rows.map((r) => [r.day, r.status, r.delta.input])).toEqual([
      ['2026-03-08', 'matched', 0],
      ['2026-03-09', 'unrecorded', 300_000],
      ['2026-03-10', 'pending', 10],
    ]);
  });
});
