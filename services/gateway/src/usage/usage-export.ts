import type { ExportFormat } from './usage.dto';

/** The export's media types; the ingestion service writes the file itself (services/ingestion/src/costs/usage-export.ts). */
export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
};
