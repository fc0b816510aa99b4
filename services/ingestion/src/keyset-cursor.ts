import { IngestionErrorCode } from '@llmlab/contracts';
import { IngestionError } from './ingestion.errors';

/**
 * Where a keyset page ended: the instant of the last row (traces and sessions by start, usage records by occurrence),
 * as PostgreSQL printed it to the microsecond (a JavaScript Date would drop the microseconds and the next page would
 * skip or repeat rows), and the id breaking ties (trace, session or event id).
 */
export interface KeysetCursor {
  at: string;
  id: string;
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/**
 * Opaque to clients: base64url of a small JSON object, so its shape can change without breaking the API. The trace,
 * session and usage-record lists all hand out this one shape, `{"v":1,"t":<instant>,"id":<id>}`.
 */
export function encodeKeysetCursor(cursor: KeysetCursor): string {
  return Buffer.from(JSON.stringify({ v: 1, t: cursor.at, id: cursor.id })).toString('base64url');
}

export function decodeKeysetCursor(text: string): KeysetCursor {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const { v, t, id } = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (v !== 1 || typeof t !== 'string' || !INSTANT.test(t) || Number.isNaN(Date.parse(t)) || typeof id !== 'string' || id === '') {
    throw invalid();
  }
  return { at: t, id };
}

function invalid(): IngestionError {
  return new IngestionError(IngestionErrorCode.InvalidCursor, 'cursor is not one this API handed out: start again without it');
}
