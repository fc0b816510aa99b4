import { isLosslessNumber, parse } from 'lossless-json';

/**
 * Provider answers are parsed without floats: every JSON number stays the exact text the provider sent
 * (`LosslessNumber`), so `0.1234567890123456789` dollars are imported as that decimal, not as a rounded double.
 */
export function parseExact(text: string): unknown {
  return parse(text);
}

/** A JSON number (kept lossless) or a decimal string, as its exact decimal text; null for anything else. */
export function decimalText(value: unknown): string | null {
  if (isLosslessNumber(value)) return value.value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value)) return value;
  return null;
}

/** A JSON count (tokens, requests) as a number; 0 when absent. */
export function count(value: unknown): number {
  const text = decimalText(value);
  return text === null ? 0 : Number(text);
}

export function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

export const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
export const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
