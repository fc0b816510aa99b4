import { CSV_FORMULA_START, USAGE_COUNT_FIELDS, USAGE_CSV_COLUMNS, type UsageRecordsPage, type UsageRecordView } from '@llmlab/contracts';
import type { ExportFormat } from './usage.dto';

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
};

/**
 * The export, one chunk per page of records: it asks for the next page only when the previous one has been taken
 * (the reply stream's back-pressure pulls it), so memory holds one page whatever the export's size.
 */
export async function* exportChunks(
  format: ExportFormat,
  first: UsageRecordsPage,
  nextPage: (cursor: string) => Promise<UsageRecordsPage>,
): AsyncGenerator<string> {
  if (format === 'csv') yield USAGE_CSV_COLUMNS.join(',') + '\r\n';
  for (let page: UsageRecordsPage | undefined = first; page; page = page.nextCursor ? await nextPage(page.nextCursor) : undefined) {
    if (page.data.length > 0) yield page.data.map(format === 'csv' ? csvLine : jsonLine).join('');
  }
}

function jsonLine(record: UsageRecordView): string {
  return JSON.stringify(record) + '\n';
}

function csvLine(r: UsageRecordView): string {
  const cells = [
    text(r.id),
    r.timestamp,
    text(r.provider),
    text(r.model),
    r.status,
    text(r.errorType),
    text(r.userId),
    text(r.traceId),
    text(r.spanId),
    r.latencyMs === null ? '' : String(r.latencyMs),
    ...USAGE_COUNT_FIELDS.map((c) => String(r.usage[c])),
    r.cost.amount ?? '',
    r.cost.currency,
    r.cost.status,
    text(r.cost.priceEntryId),
    r.cost.priceOrigin ?? '',
    text(JSON.stringify(r.tags)),
    text(JSON.stringify(r.metadata)),
    r.receivedAt,
  ];
  return cells.join(',') + '\r\n';
}

/**
 * A client-supplied text as a CSV cell (RFC 4180 quoting). One that a spreadsheet would run as a formula
 * (`=`, `+`, `-`, `@`, tab, carriage return first) gets a leading `'`, as OWASP advises: the jsonl export has
 * every value exactly.
 */
export function text(value: string | null): string {
  if (value === null || value === '') return '';
  const safe = CSV_FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
