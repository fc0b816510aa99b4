/**
 * Backfill: a file of usage in the format the usage export writes (CSV or JSON Lines), uploaded to
 * `POST /v1/projects/{projectId}/usage/imports`, kept in a JetStream object store until the ingestion service has
 * read it, and recorded in parts through the same ledger path as `POST /v1/usage` (docs/ingestion.md, "Backfill").
 */

import { USAGE_COUNT_FIELDS } from './usage-event';

/** A token count's CSV column: `cachedInputTokens` → `cached_input_tokens`, `cacheWrite1hTokens` → `cache_write_1h_tokens`. */
export const usageCsvColumn = (field: string): string => field.replace(/[A-Z0-9]+/g, (m) => `_${m.toLowerCase()}`);

/** The columns of the usage export's CSV, in order: what an import reads back. */
export const USAGE_CSV_COLUMNS = [
  'id',
  'timestamp',
  'provider',
  'model',
  'status',
  'error_type',
  'user_id',
  'trace_id',
  'span_id',
  'latency_ms',
  ...USAGE_COUNT_FIELDS.map(usageCsvColumn),
  'cost',
  'currency',
  'cost_status',
  'price_entry_id',
  'price_origin',
  'tags',
  'metadata',
  'received_at',
] as const;

/**
 * A text cell a spreadsheet would run as a formula starts with one of these; the export puts a `'` before it
 * (OWASP's advice) and the import takes it off.
 */
export const CSV_FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A client-supplied text as a CSV cell (RFC 4180 quoting). One that a spreadsheet would run as a formula
 * (`=`, `+`, `-`, `@`, tab, carriage return first) gets a leading `'`, as OWASP advises: the jsonl export has
 * every value exactly.
 */
export function csvText(value: string | null): string {
  if (value === null || value === '') return '';
  const safe = CSV_FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const USAGE_IMPORT_FORMATS = ['csv', 'jsonl'] as const;
export type UsageImportFormat = (typeof USAGE_IMPORT_FORMATS)[number];

/** Media types an upload may declare (parameters such as `charset=utf-8` aside), and the format each means. */
export const USAGE_IMPORT_MEDIA_TYPES: Readonly<Record<string, UsageImportFormat>> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
};

export const USAGE_IMPORT_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export type UsageImportStatus = (typeof USAGE_IMPORT_STATUSES)[number];

export const USAGE_IMPORT_LIMITS = {
  /** Largest upload by default (`USAGE_IMPORT_MAX_BYTES` lowers or raises it). */
  maxBytes: 100 * 1024 * 1024,
  /** Line errors kept per import; `rejected` still counts every rejected line. */
  maxErrors: 1000,
  /** Data lines (records) per part: one checkpoint, and one ledger batch, per part. */
  partRecords: 1000,
} as const;

/**
 * Base name of the JetStream object store holding uploads until they are imported; the deployment prefix is
 * appended like the streams' (`USAGE_IMPORTS_<prefix>`), the object's name is the import id.
 */
export const USAGE_IMPORTS_BUCKET = 'USAGE_IMPORTS';

export function usageImportsBucket(prefix?: string): string {
  return prefix ? `${USAGE_IMPORTS_BUCKET}_${prefix}` : USAGE_IMPORTS_BUCKET;
}

/** One rejected line: its number in the file (the CSV header is line 1) and the field as `POST /v1/usage` names it. */
export interface UsageImportLineError {
  line: number;
  field: string;
  message: string;
}
