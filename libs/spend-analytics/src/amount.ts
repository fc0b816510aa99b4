import { Decimal } from 'decimal.js';

/**
 * Decimal places of the amounts this library hands out: the scale of LLMLab's `NUMERIC` money columns and of the
 * pricing engine's amounts, so results can be stored and compared without another rounding.
 */
export const AMOUNT_SCALE = 12;

/**
 * A private clone: 40 significant digits and half-even rounding, as the pricing engine uses, unaffected by
 * whatever global `Decimal` settings other code chooses.
 */
export const Amount = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });
export type Amount = Decimal;

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** Reads an amount given as a decimal string; `field` names it in the error, as callers' 4xx answers need. */
export function parseAmount(value: string, field: string): Decimal {
  if (typeof value !== 'string' || !DECIMAL.test(value)) {
    throw new RangeError(`${field}: "${String(value)}" is not a decimal string`);
  }
  return new Amount(value);
}

export function toAmountString(value: Decimal): string {
  return value.toFixed(AMOUNT_SCALE, Decimal.ROUND_HALF_EVEN);
}
