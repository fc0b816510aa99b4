import { Decimal } from 'decimal.js';
import { Money, MONEY_SCALE, isDecimalString, sumMoney, toMoneyString } from './money';

describe('money', () => {
  it('prints every amount with exactly MONEY_SCALE decimals', () => {
    expect(MONEY_SCALE).toBe(12);
    expect(toMoneyString(0)).toBe('0.000000000000');
    expect(toMoneyString('0.0025')).toBe('0.002500000000');
    expect(toMoneyString('1234567.5')).toBe('1234567.500000000000');
  });

  it('rounds half to even at the 12th decimal, so rounding drifts in neither direction', () => {
    expect(toMoneyString('0.0000000000005')).toBe('0.000000000000');
    expect(toMoneyString('0.0000000000015')).toBe('0.000000000002');
    expect(toMoneyString('0.00000000000250001')).toBe('0.000000000003');
  });

  it('adds 0.1 and 0.2 to exactly 0.3, which floats do not', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(sumMoney(['0.1', '0.2'])).toBe('0.300000000000');
  });

  it('keeps 40 significant digits whatever the global Decimal settings are', () => {
    const saved = Decimal.precision;
    Decimal.set({ precision: 5 });
    try {
      expect(new Money('123456789').times('0.000003625').toFixed()).toBe('447.530860125');
    } finally {
      Decimal.set({ precision: saved });
    }
  });

  it('accepts rates only as plain non-negative decimal strings', () => {
    expect(['0', '3', '0.075', '12.50'].every(isDecimalString)).toBe(true);
    expect(['', '-1', '1e-7', '.5', '1.', ' 1', 'NaN', 0.5].some(isDecimalString)).toBe(false);
  });
});
