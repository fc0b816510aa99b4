import { Decimal } from 'decimal.js';
import type { Money } from './api/schema';

/**
 * Money on screen. Amounts arrive as decimal strings ("0.000123000000") and stay exact: Intl.NumberFormat formats a
 * decimal string as the decimal it spells (never through a float), and sums use decimal.js.
 */
const formats = new Map<string, Intl.NumberFormat>();

function format(currency: string, minimumFractionDigits: number, maximumFractionDigits: number): Intl.NumberFormat {
  const key = `${currency}:${minimumFractionDigits}:${maximumFractionDigits}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits, maximumFractionDigits });
    formats.set(key, f);
  }
  return f;
}

/** Decimal places that show a small amount's first significant digits: $0.000123, not $0.00. */
function placesFor(amount: string, significant: number): number {
  const [whole, fraction = ''] = amount.replace(/^-/, '').split('.');
  if (/[1-9]/.test(whole)) return 2;
  const firstDigit = fraction.search(/[1-9]/);
  if (firstDigit === -1) return 2;
  return Math.min(12, Math.max(2, firstDigit + significant));
}

/**
 * `$1,234.57`, `$0.000123`: two decimals from a cent up, and enough below a cent to show what was spent; `exact`
 * shows every decimal the API sent (trailing zeros beyond the cents trimmed). The currency is always shown.
 */
export function formatMoney(money: Money | { amount: string; currency: string }, options: { exact?: boolean } = {}): string {
  const { amount, currency } = money;
  // Intl formats strings exactly (no float); the `as never` is for typings that still say number.
  const value = amount as never;
  if (options.exact) {
    const fraction = (amount.split('.')[1] ?? '').replace(/0+$/, '');
    return format(currency, 2, Math.max(2, fraction.length)).format(value);
  }
  const places = placesFor(amount, 3);
  return format(currency, 2, places).format(value);
}

export function sumMoney(amounts: readonly string[]): string {
  return amounts.reduce((sum, a) => sum.plus(a), new Decimal(0)).toFixed();
}

/** `+12.5%` / `−3.0%` / null when there is nothing to compare with. */
export function percentChange(current: string, previous: string): string | null {
  const before = new Decimal(previous);
  if (before.isZero()) return null;
  const change = new Decimal(current).minus(before).div(before).times(100);
  return `${change.isNegative() ? '−' : '+'}${change.abs().toFixed(1)}%`;
}

/** A share in percent with one decimal, for bars: "81.2". */
export function percentOf(part: string, whole: string): string {
  const total = new Decimal(whole);
  return total.isZero() ? '0' : new Decimal(part).times(100).div(total).toDecimalPlaces(1).toFixed(1);
}

/** For chart geometry only (pixel heights): never displayed as an amount. */
export function toChartNumber(amount: string): number {
  return new Decimal(amount).toNumber();
}

const integers = new Intl.NumberFormat('en-US');
export function formatCount(n: number): string {
  return integers.format(n);
}
