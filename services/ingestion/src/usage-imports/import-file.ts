import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import {
  CSV_FORMULA_START,
  USAGE_COUNT_FIELDS,
  USAGE_CSV_COLUMNS,
  usageCsvColumn,
  type FieldError,
  type UsageImportFormat,
} from '@llmlab/contracts';

/**
 * One data line of an import file, turned back into the shape `POST /v1/usage` takes (`candidate`, which the
 * contracts' validator then checks), or the problems that stopped that (`errors`, fields named as the validator
 * names them). `line` is where the line starts in the file (the CSV header is line 1), `endLine` where it ends.
 */
export interface ImportRecord {
  line: number;
  endLine: number;
  candidate?: Record<string, unknown>;
  errors: FieldError[];
}

/** The file cannot be read on from `line` (a broken quote, a header that is not the export's). */
export class ImportFileError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** Reads an uploaded file record by record, in constant memory, whatever its size. */
export function readImportFile(input: Readable, format: UsageImportFormat): AsyncGenerator<ImportRecord> {
  return format === 'csv' ? readCsv(input) : readJsonLines(input);
}

const REQUIRED_COLUMNS = ['id', 'timestamp', 'provider', 'model', 'status', 'input_tokens', 'output_tokens'];
const KNOWN_COLUMNS = new Set<string>(USAGE_CSV_COLUMNS);
const TEXT_COLUMNS: Record<string, string> = {
  id: 'id',
  provider: 'provider',
  model: 'model',
  error_type: 'errorType',
  user_id: 'userId',
  trace_id: 'traceId',
  span_id: 'spanId',
};

async function* readCsv(input: Readable): AsyncGenerator<ImportRecord> {
  // csv-parse counts a CRLF inside a quoted cell as two lines: `shift` takes the extra ones back off.
  const parser = input.pipe(parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true }));
  input.on('error', (err) => parser.destroy(err));
  let columns: string[] | undefined;
  let shift = 0;
  let lastLine = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const cells = record.join(',');
      shift += (cells.match(/\r\n/g) ?? []).length;
      const endLine = info.lines - shift;
      const line = endLine - (cells.match(/\r\n|\r|\n/g) ?? []).length;
      lastLine = endLine;
      if (!columns) {
        columns = checkHeader(record, line);
        continue;
      }
      yield { line, endLine, ...fromCsvRow(columns, record) };
    }
  } catch (err) {
    if (err instanceof ImportFileError) throw err;
    const at = (err as { lines?: number }).lines;
    throw new ImportFileError(typeof at === 'number' ? at - shift : lastLine + 1, `not readable as CSV: ${(err as Error).message}`);
  }
  if (!columns) throw new ImportFileError(1, 'the file is empty: the first line must be the export header');
}

function checkHeader(header: string[], line: number): string[] {
  const columns = header.map((name) => name.trim());
  const unknown = columns.filter((name) => !KNOWN_COLUMNS.has(name));
  if (unknown.length > 0)
    throw new ImportFileError(line, `unknown column ${JSON.stringify(unknown[0])}: the header must be the usage export's`);
  const missing = REQUIRED_COLUMNS.filter((name) => !columns.includes(name));
  if (missing.length > 0)
    throw new ImportFileError(line, `column ${JSON.stringify(missing[0])} is missing: the header must be the usage export's`);
  if (new Set(columns).size !== columns.length) throw new ImportFileError(line, 'a column is named twice');
  return columns;
}

/** An export cell back into its value: empty is absent, a `'` put before a formula-like text comes off. */
function fromCsvRow(columns: string[], record: string[]): { candidate?: Record<string, unknown>; errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (record.length !== columns.length) {
    return { errors: [{ field: '/', message: `has ${record.length} cells where the header has ${columns.length} columns` }] };
  }
  const cell = (name: string): string | undefined => {
    const i = columns.indexOf(name);
    return i < 0 || record[i] === '' ? undefined : record[i];
  };
  const text = (name: string) => {
    const value = cell(name);
    return value !== undefined && value.startsWith("'") && CSV_FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;
  };
  const candidate: Record<string, unknown> = {};
  for (const [column, field] of Object.entries(TEXT_COLUMNS)) {
    const value = text(column);
    if (value !== undefined) candidate[field] = value;
  }
  const put = (field: string, value: unknown) => {
    if (value !== undefined) candidate[field] = value;
  };
  put('timestamp', cell('timestamp'));
  put('status', cell('status'));
  put('latencyMs', integer(cell('latency_ms')));
  const usage: Record<string, unknown> = {};
  for (const field of USAGE_COUNT_FIELDS) {
    const value = integer(cell(usageCsvColumn(field)));
    if (value !== undefined) usage[field] = value;
  }
  candidate.usage = usage;
  for (const field of ['tags', 'metadata'] as const) {
    const value = text(field);
    if (value === undefined) continue;
    try {
      candidate[field] = JSON.parse(value);
    } catch {
      errors.push({ field: `/${field}`, message: 'must be a JSON object' });
    }
  }
  put('cost', explicitCost(cell('cost_status'), cell('cost'), cell('currency')));
  return errors.length > 0 ? { errors } : { candidate, errors };
}

/** Digits are a number; anything else is left as text for the validator to name (`must be a non-negative integer`). */
function integer(value: string | undefined): unknown {
  return value !== undefined && /^\d{1,15}$/.test(value) ? Number(value) : value;
}

/**
 * Only a client's own cost (status `override`) travels back in: a cost the catalog computed is computed again, at
 * the event's own timestamp, with the importing organization's prices.
 */
function explicitCost(status: unknown, amount: unknown, currency: unknown): unknown {
  if (status !== undefined && status !== 'override') return undefined;
  if (amount === undefined || amount === null) return undefined;
  return { amount, currency: currency ?? 'USD' };
}

/** The fields of an exported JSON line that are the record's own, not the event's: left out of the candidate. */
const RECORD_ONLY = new Set(['receivedAt', 'cost']);

async function* readJsonLines(input: Readable): AsyncGenerator<ImportRecord> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  for await (const raw of lines) {
    line += 1;
    const text = line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      yield { line, endLine: line, errors: [{ field: '/', message: 'is not valid JSON' }] };
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield { line, endLine: line, errors: [{ field: '/', message: 'must be a JSON object (one usage record per line)' }] };
      continue;
    }
    yield { line, endLine: line, candidate: fromExportJson(value as Record<string, unknown>), errors: [] };
  }
}

/** A record as `/usage` and the JSONL export show it, back into an event: nulls are absent, a computed cost is dropped. */
function fromExportJson(record: Record<string, unknown>): Record<string, unknown> {
  const candidate: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (!RECORD_ONLY.has(key) && value !== null) candidate[key] = value;
  const cost = record.cost;
  if (typeof cost === 'object' && cost !== null && !Array.isArray(cost)) {
    const c = cost as Record<string, unknown>;
    const explicit = explicitCost(c.status, c.amount, c.currency);
    if (explicit !== undefined) candidate.cost = explicit;
  } else if (cost !== undefined && cost !== null) candidate.cost = cost;
  return candidate;
}
