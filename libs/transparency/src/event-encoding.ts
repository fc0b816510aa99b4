import { createHash } from 'node:crypto';
import { JsonNumber } from './exact-json';

/**
 * The event store's hash, recomputed outside PostgreSQL: `event_store.canonical_encoding` (see the event store's
 * migration) is `jsonb_build_array(position, stream_id, revision, event_id, type, version, data, metadata,
 * recorded_at, prev_hash)::text`, and the hash is the SHA-256 of its UTF-8. These functions write the same text,
 * byte for byte, following PostgreSQL's jsonb output: `[a, b]` and `{"k": v}` with a space after each comma and
 * colon, object keys ordered by their length in bytes and then bytewise, strings escaped as `escape_json` does,
 * numbers in plain decimal notation.
 */

/** An event as the hash covers it: every column of its row but the hash itself. */
export interface HashedEvent {
  readonly position: number;
  readonly streamId: string;
  readonly revision: number;
  readonly eventId: string;
  readonly type: string;
  readonly version: number;
  readonly data: unknown;
  readonly metadata: unknown;
  /** UTC with microseconds, as the encoding writes it: `2026-12-05T10:11:12.123456Z`. */
  readonly recordedAt: string;
  readonly prevHash: string;
}

/** A JSON string as PostgreSQL's `escape_json` writes it. */
export function jsonbString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    switch (c) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += '\\\\';
        break;
      case 0x08:
        out += '\\b';
        break;
      case 0x0c:
        out += '\\f';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      default:
        out += c < 0x20 ? `\\u${c.toString(16).padStart(4, '0')}` : value[i];
    }
  }
  return out + '"';
}

/** The most digits PostgreSQL's numeric holds before the decimal point, and after it. */
const NUMERIC_MAX_INTEGER_DIGITS = 131072;
const NUMERIC_MAX_SCALE = 16383;

/**
 * A JSON number's text as jsonb prints it: numeric keeps every digit it was given, the scale being the digits after
 * the point less the exponent (never below zero), in plain decimal notation (`1e-7` → `0.0000001`, `1.50` →
 * `1.50`, `1.50e1` → `15.0`, `-0` → `0`). Refuses what numeric cannot hold, as PostgreSQL does.
 */
export function jsonbNumberText(text: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) throw new TypeError(`${text} is not a JSON number`);
  const [, sign, whole, fraction = '', exponentText] = match;
  const exponent = Number(exponentText ?? 0);
  const scale = Math.max(0, fraction.length - exponent);
  const significant = (whole + fraction).replace(/^0+/, '');
  // Digits before the point once the exponent is applied (significant digits only: leading zeros go).
  const integerDigits = significant ? whole.length - (whole + fraction).length + significant.length + exponent : 0;
  if (!Number.isSafeInteger(exponent) || integerDigits > NUMERIC_MAX_INTEGER_DIGITS || scale > NUMERIC_MAX_SCALE) {
    throw new RangeError(`${text.length > 40 ? `${text.slice(0, 40)}…` : text} overflows PostgreSQL's numeric`);
  }
  let digits = whole + fraction;
  let point = whole.length + exponent;
  if (point <= 0) {
    digits = '0'.repeat(1 - point) + digits;
    point = 1;
  } else if (point > digits.length) {
    digits = digits + '0'.repeat(point - digits.length);
  }
  const integer = digits.slice(0, point).replace(/^0+(?=\d)/, '');
  const decimals = digits.slice(point);
  const plain = decimals ? `${integer}.${decimals}` : integer;
  return sign && /[1-9]/.test(plain) ? `-${plain}` : plain;
}

/**
 * A JavaScript number as jsonb stores and prints it: the platform appends `JSON.stringify`'s text, which has no
 * superfluous digits, so its plain decimal expansion is the output.
 */
export function jsonbNumber(value: number): string {
  if (!Number.isFinite(value)) throw new TypeError(`${value} is not a JSON number`);
  return jsonbNumberText(JSON.stringify(value));
}

function compareKeys(a: string, b: string): number {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ab.length !== bb.length ? ab.length - bb.length : Buffer.compare(ab, bb);
}

/** A JSON value (as JSON.parse or `parseExactJson` gives it) in jsonb's text form. */
export function jsonbText(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return jsonbString(value);
    case 'number':
      return jsonbNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value instanceof JsonNumber) return jsonbNumberText(value.text);
      if (Array.isArray(value)) return `[${value.map(jsonbText).join(', ')}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => compareKeys(a, b));
      return `{${entries.map(([k, v]) => `${jsonbString(k)}: ${jsonbText(v)}`).join(', ')}}`;
    }
    default:
      throw new TypeError(`a ${typeof value} is not a JSON value`);
  }
}

/**
 * The canonical encoding from the row's columns, with `data` and `metadata` already in jsonb's text form (what
 * PostgreSQL's `data::text` answers): what the audit service hashes without trusting any function of the store.
 */
export function canonicalEncodingOfRow(row: Omit<HashedEvent, 'data' | 'metadata'> & { dataText: string; metadataText: string }): string {
  return (
    `[${row.position}, ${jsonbString(row.streamId)}, ${row.revision}, ${jsonbString(row.eventId)}, ${jsonbString(row.type)}, ` +
    `${row.version}, ${row.dataText}, ${row.metadataText}, ${jsonbString(row.recordedAt)}, ${jsonbString(row.prevHash)}]`
  );
}

/** The canonical encoding of an exported event (its data and metadata as parsed JSON). */
export function canonicalEventEncoding(event: HashedEvent): string {
  return canonicalEncodingOfRow({ ...event, dataText: jsonbText(event.data), metadataText: jsonbText(event.metadata) });
}

/** SHA-256 hex of a canonical encoding's UTF-8. */
export function hashEncoding(encoding: string): string {
  return createHash('sha256').update(encoding, 'utf8').digest('hex');
}

/** The event's hash as the event store computes it. */
export function eventHash(event: HashedEvent): string {
  return hashEncoding(canonicalEventEncoding(event));
}
