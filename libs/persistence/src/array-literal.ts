/**
 * A one-dimensional PostgreSQL array literal (`{"a","b",NULL}`) of strings, numbers, booleans or nulls, for a
 * parameter cast to `text[]`, `bigint[]`, `jsonb[]` and the like: what node-postgres writes for a JS array, built
 * without its per-element conversion calls and two regular-expression replacements per string (a run of the usage
 * projection passes some 35 arrays of hundreds of elements; node-postgres' encoding was 9 % of the ingestion
 * service's busy time under bench:ingest). Strings are always quoted, so `NULL`, braces, commas and spaces stay text.
 */
export function arrayLiteral(values: readonly (string | number | boolean | null | undefined)[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined) parts[i] = 'NULL';
    else if (typeof value === 'string') parts[i] = NEEDS_ESCAPE.test(value) ? `"${value.replace(ESCAPED, '\\$&')}"` : `"${value}"`;
    else if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new RangeError(`arrayLiteral: ${value} is not a finite number`);
      parts[i] = String(value);
    } else parts[i] = value ? 't' : 'f';
  }
  return `{${parts.join(',')}}`;
}

const NEEDS_ESCAPE = /["\\]/;
const ESCAPED = /["\\]/g;
