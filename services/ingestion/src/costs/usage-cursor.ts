import { IngestionError } from '../ingestion.errors';
import { IngestionErrorCode } from '@llmlab/contracts';

/** Where a page of usage records ended: records are listed newest first, ties broken by event id. */
export interface UsageCursor {
  occurredAt: string;
  eventId: string;
}

/** Opaque to clients: base64url of a small JSON object, so its shape can change without breaking the API. */
export function encodeUsageCursor(cursor: UsageCursor): string {
  return Buffer.from(JSON.stringify({ v: 1, t: cursor.occurredAt, id: cursor.eventId })).toString('base64url');
}

export function decodeUsageCursor(text: string): UsageCursor {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const { v, t, id } = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (v !== 1 || typeof t !== 'string' || Number.isNaN(Date.parse(t)) || typeof id !== 'string' || id === '') throw invalid();
  return { occurredAt: new Date(t).toISOString(), eventId: id };
}

function invalid(): IngestionError {
  return new IngestionError(IngestionErrorCode.InvalidCursor, 'cursor is not one this API handed out: start again without it');
}
