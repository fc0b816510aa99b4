import { Money, MONEY_PRECISION, MONEY_SCALE } from '@llmlab/domain';
import { PricingError, PricingErrorCode } from './pricing.errors';

/**
 * Exact decimal arithmetic on scaled integers, for pricing's hot path: a value is `units × 10^-scale`, with `units`
 * a non-negative BigInt. Pricing needs only products of counts and rates, sums and one rounding, which BigInt does
 * exactly with none of the objects a decimal library allocates per operation (issue 15: pricing with decimal.js was
 * a tenth of the ingest consumer's CPU and much of its garbage).
 *
 * Results are those of `Money` (libs/domain's money.ts) digit for digit: every operation `Money` rounds (a product,
 * a sum) is rounded here the same way, half-even to `MONEY_PRECISION` significant digits. With catalog rates (a
 * few significant digits) and counts below 2^53 that rounding never happens; it is kept so that no input can tell
 * the two apart.
 */
export interface Scaled {
  readonly units: bigint;
  readonly scale: number;
}

const POWERS_OF_TEN: bigint[] = [1n];

function powerOfTen(exponent: number): bigint {
  while (POWERS_OF_TEN.length <= exponent) POWERS_OF_TEN.push(POWERS_OF_TEN[POWERS_OF_TEN.length - 1] * 10n);
  return POWERS_OF_TEN[exponent];
}

const PRECISION_LIMIT = powerOfTen(MONEY_PRECISION);

/** `n / d` rounded half-even (`n` ≥ 0, `d` > 0). */
function divideHalfEven(n: bigint, d: bigint): bigint {
  const q = n / d;
  const twice = (n - q * d) * 2n;
  return twice > d || (twice === d && (q & 1n) === 1n) ? q + 1n : q;
}

/** `units` rounded half-even to `MONEY_PRECISION` significant digits, as `Money` rounds a result, at the same scale. */
export function roundToPrecision(units: bigint): bigint {
  if (units < PRECISION_LIMIT) return units;
  const unit = powerOfTen(units.toString().length - MONEY_PRECISION);
  return divideHalfEven(units, unit) * unit;
}

/** The value at `MONEY_SCALE` decimals, rounded half-even: the units of its money string. */
export function toMoneyUnits(value: Scaled): bigint {
  return value.scale <= MONEY_SCALE
    ? value.units * powerOfTen(MONEY_SCALE - value.scale)
    : divideHalfEven(value.units, powerOfTen(value.scale - MONEY_SCALE));
}

const ZERO_MONEY = `0.${'0'.repeat(MONEY_SCALE)}`;

/** The money string (`toMoneyString`'s form: exactly `MONEY_SCALE` decimals) of units at `MONEY_SCALE`. */
export function moneyStringOfUnits(units: bigint): string {
  if (units === 0n) return ZERO_MONEY;
  const digits = units.toString();
  if (digits.length > MONEY_SCALE) return `${digits.slice(0, -MONEY_SCALE)}.${digits.slice(-MONEY_SCALE)}`;
  return `0.${digits.padStart(MONEY_SCALE, '0')}`;
}

/** `a + b`, rounded as `Money` rounds a sum. */
export function addScaled(a: Scaled, b: Scaled): Scaled {
  if (a.scale === b.scale) return { units: roundToPrecision(a.units + b.units), scale: a.scale };
  const scale = Math.max(a.scale, b.scale);
  const units = a.units * powerOfTen(scale - a.scale) + b.units * powerOfTen(scale - b.scale);
  return { units: roundToPrecision(units), scale };
}

const PLAIN_DECIMAL = /^\d+(\.\d+)?$/;
const PER_MILLION_DIGITS = 6;
const PARSED_MAX = 10_000;

/** A rate read once: its value (per request), and per token (a rate per million tokens) at `MONEY_SCALE` or finer. */
export interface ParsedRate {
  readonly value: Scaled;
  readonly perToken: Scaled;
}

/** Rate string → its value. A catalog holds a few hundred distinct rates; the bound only guards odd callers. */
const parsedRates = new Map<string, ParsedRate>();

/**
 * A rate as scaled integers, parsed once per distinct string. A rate in plain notation (as the catalog validates
 * them) is read directly; any other notation `Money` reads (`1e-3`) is read as `Money` reads it, and what `Money`
 * cannot read throws its own error, as pricing with it did. A negative or non-finite rate prices nothing: it throws
 * `PricingError` (`INVALID_PRICE_ENTRY`) naming `<path>/<name>`.
 */
export function parseRate(value: unknown, path: string, name: string): ParsedRate {
  if (typeof value === 'string') {
    const known = parsedRates.get(value);
    if (known) return known;
  }
  const text = typeof value === 'string' && PLAIN_DECIMAL.test(value) ? value : plainForm(value, path, name);
  const dot = text.indexOf('.');
  const rate = parsedRate(
    dot < 0 ? { units: BigInt(text), scale: 0 } : { units: BigInt(text.slice(0, dot) + text.slice(dot + 1)), scale: text.length - dot - 1 },
  );
  if (typeof value === 'string') {
    if (parsedRates.size >= PARSED_MAX) parsedRates.clear();
    parsedRates.set(value, rate);
  }
  return rate;
}

function parsedRate(value: Scaled): ParsedRate {
  // Per token: the value ÷ 10^6, at `MONEY_SCALE` when it has that few decimals, so most sums need no alignment.
  const scale = Math.max(MONEY_SCALE, value.scale + PER_MILLION_DIGITS);
  return { value, perToken: { units: value.units * powerOfTen(scale - value.scale - PER_MILLION_DIGITS), scale } };
}

function plainForm(value: unknown, path: string, name: string): string {
  const decimal = new Money(value as string);
  if (decimal.isZero()) return '0';
  if (!decimal.isFinite() || decimal.isNegative()) {
    throw new PricingError(PricingErrorCode.InvalidPriceEntry, `${path}/${name}`, 'must be a non-negative decimal string such as "0.075"');
  }
  return decimal.toFixed();
}
