import { Decimal } from 'decimal.js';

/** Decimal places of every amount the pricing engine hands out, and of the `NUMERIC` columns that store them. */
export const MONEY_SCALE = 12;

/**
 * The decimal type for money. 40 significant digits hold any token count below 2^53 times any catalog rate
 * without rounding; ties round half-even so that rounding millions of records drifts in neither direction.
 * A clone, so the global `Decimal` settings of other code cannot change how money is computed.
 */
export const Money = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });

/** A non-negative decimal in plain notation, as rates are written in the catalog: `3`, `0.075`, `1.25`. */
const PLAIN_DECIMAL = /^\d+(\.\d+)?$/;

export function isDecimalString(value: unknown): value is string {
  return typeof value === 'string' && PLAIN_DECIMAL.test(value);
}

/** The one text form of an amount: exactly `MONEY_SCALE` decimals, as PostgreSQL prints `NUMERIC(p, 12)`. */
export function toMoneyString(value: Decimal.Value): string {
  return new Money(value).toFixed(MONEY_SCALE, Decimal.ROUND_HALF_EVEN);
}

/** Adds amounts exactly; the total of amounts already at `MONEY_SCALE` decimals needs no rounding. */
export function sumMoney(amounts: Iterable<Decimal.Value>): string {
  let total = new Money(0);
  for (const amount of amounts) total = total.plus(amount);
  return toMoneyString(total);
}
