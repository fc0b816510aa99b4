import { formatMoney, percentChange, percentOf, sumMoney } from './money';

describe('money from decimal strings', () => {
  const usd = (amount: string, exact = false) => formatMoney({ amount, currency: 'USD' }, { exact });

  it('always shows the currency, two decimals from a cent up and the first digits below a cent', () => {
    expect(usd('4.500000000000')).toBe('$4.50');
    expect(usd('1234.565000000000')).toBe('$1,234.57');
    expect(usd('0.000123000000')).toBe('$0.000123');
    expect(usd('0.000000000000')).toBe('$0.00');
    expect(formatMoney({ amount: '3.5', currency: 'EUR' })).toBe('€3.50');
  });

  it('never goes through a float: amounts beyond double precision stay exact', () => {
    // 2^53 + 1 and sixteen significant decimals: a Number would round both.
    expect(usd('9007199254740993.000000000001', true)).toBe('$9,007,199,254,740,993.000000000001');
    expect(usd('0.100000000000', true)).toBe('$0.10');
    expect(sumMoney(['0.1', '0.2'])).toBe('0.3');
    expect(sumMoney(['0.000000150000', '0.000001050000'])).toBe('0.0000012');
  });

  it('compares with the period before, and gives shares', () => {
    expect(percentChange('150', '100')).toBe('+50.0%');
    expect(percentChange('0.5', '2')).toBe('−75.0%');
    expect(percentChange('1', '0')).toBeNull();
    expect(percentOf('1', '3')).toBe('33.3');
    expect(percentOf('1', '0')).toBe('0');
  });
});
