import { Decimal } from 'decimal.js';

/**
 * Decimal places of every amount the platform hands out, and of the `NUMERIC` columns that store them, so that
 * results can be stored and compared without another rounding.
 */
export const MONEY_SCALE = 12;

/**
 * Significant digits of the result of an operation on `Money`. 40 hold any token count below 2^53 times any catalog
 * rate without rounding.
 */
export const MONEY_PRECISION = 40;

/**
 * The decimal type for money: `MONEY_PRECISION` significant digits; ties round half-even so that rounding millions
 * of records drifts in neither direction. A clone, so the global `Decimal` settings of other code cannot change how
 * money is computed.
 */
export const Money = Decimal.clone({ precision: MONEY_PRECISION, rounding: Decimal.ROUND_HALF_EVEN });
export type Money = Decimal;

/** A non-negative decimal in plain notation, as rates are written in the catalog: `3`, `0.075`, `1.25`. */
const PLAIN_DECIMAL = /^\d+(\.\d+)?$/;
/** A signed decimal in plain notation, as amounts travel on the wire: `-0.5`, `12.000000000000`. */
const SIGNED_DECIMAL = /^-?\d+(\.\d+)?$/;

export function isDecimalString(value: unknown): value is string {
  return typeof value === 'string' && PLAIN_DECIMAL.test(value);
}

/** Reads an amount given as a decimal string; `field` names it in the error, as callers' 4xx answers need. */
export function parseMoney(value: string, field: string): Money {
  if (typeof value !== 'string' || !SIGNED_DECIMAL.test(value)) {
    throw new RangeError(`${field}: "${String(value)}" is not a decimal string`);
  }
  return new Money(value);
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
