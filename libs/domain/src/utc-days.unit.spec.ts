import type { FieldError } from '@llmlab/contracts';
import { wholeUtcDays } from './utc-days';

describe('wholeUtcDays', () => {
  const days = (from: unknown, to: unknown) => {
    const errors: FieldError[] = [];
    const range = wholeUtcDays({ from, to }, errors);
    return { from: range.from.toISOString(), to: range.to.toISOString(), errors: errors.map((e) => e.field) };
  };

  it('widens a range to the whole UTC days it touches', () => {
    expect(days('2026-03-01T13:00:00Z', '2026-03-02T00:00:00.001Z')).toEqual({
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-03T00:00:00.000Z',
      errors: [],
    });
    expect(days('2026-03-01T00:00:00+02:00', '2026-03-02T00:00:00Z')).toMatchObject({ from: '2026-02-28T00:00:00.000Z', errors: [] });
  });

  it('names the field of a bad, inverted or too long range', () => {
    expect(days('yesterday', 3).errors).toEqual(['/from', '/to']);
    expect(days('2026-03-02T00:00:00Z', '2026-03-01T00:00:00Z').errors).toEqual(['/to']);
    expect(days('2025-01-01T00:00:00Z', '2026-02-05T00:00:00.001Z').errors).toEqual(['/to']);
    expect(days('2025-01-01T00:00:00Z', '2026-02-05T00:00:00Z').errors).toEqual([]);
  });
});
