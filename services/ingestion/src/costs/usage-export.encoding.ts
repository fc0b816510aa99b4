import { csvText, USAGE_COUNT_FIELDS, USAGE_CSV_COLUMNS, type UsageImportFormat } from '@llmlab/contracts';

/**
 * The usage export's rows as PostgreSQL sends them in `COPY ... TO STDOUT (FORMAT binary)`, decoded, and written as
 * CSV or JSON Lines. The output is byte for byte what the paged export wrote from `UsageRecordView`s (JSON.stringify
 * of the view; the CSV of its cells), which `usage-imports` reads back: usage-export.int.spec.ts compares the two on
 * records with every awkward value.
 */

/** The CSV's columns the COPY selects under another name; `currency` is always USD and not selected. */
const SELECTED_AS: Readonly<Record<string, string>> = {
  id: 'event_id',
  timestamp: 'occurred_at',
  // NUMERIC as PostgreSQL prints it (12 decimals), exactly as the paged view carried it.
  cost: 'cost::text',
};

/** The columns the COPY selects, in the CSV's order; the decoder knows each one's binary type by its position. */
export const EXPORT_SELECT_LIST = USAGE_CSV_COLUMNS.filter((c) => c !== 'currency')
  .map((c) => SELECTED_AS[c] ?? c)
  .join(', ');

const COUNTS = USAGE_COUNT_FIELDS.length;
const FIELDS = 10 + COUNTS + 7;
const COUNT_KEYS = USAGE_COUNT_FIELDS.map((field) => JSON.stringify(field));
/** 2000-01-01T00:00:00Z, PostgreSQL's epoch for timestamps, in Unix milliseconds. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 4_294_967_296;
/** `PGCOPY\n\377\r\n\0`, the flags word and the header extension length. */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * One decoded row, in EXPORT_SELECT_LIST's order (the event id first, then the timestamp): strings for text, numbers
 * for integers and timestamps (Unix ms), jsonb as its text; null for NULL.
 */
type Row = (string | number | null)[];
export type RowHandler = (row: Row) => void;

/**
 * Decodes the binary COPY stream a chunk at a time (a row may span chunks), for the export's select list only:
 * text, int4, int8, timestamptz (int8 microseconds since 2000) and jsonb (a version byte, then its text).
 */
export class ExportRowDecoder {
  private pending?: Buffer;
  private headerRead = false;
  private ended = false;
  private readonly row: Row = new Array<string | number | null>(FIELDS).fill(null);

  /** Calls `onRow` for every complete row of `data` (the same array each time: read it before returning). */
  push(data: Buffer, onRow: RowHandler): void {
    if (this.ended) throw new Error('COPY data after its trailer');
    const buf = this.pending ? Buffer.concat([this.pending, data]) : data;
    let pos = 0;
    if (!this.headerRead) {
      if (buf.length < 19) {
        this.pending = buf;
        return;
      }
      if (!buf.subarray(0, 11).equals(SIGNATURE)) throw new Error('not a binary COPY stream');
      const extension = buf.readUInt32BE(15);
      if (buf.length < 19 + extension) {
        this.pending = buf;
        return;
      }
      pos = 19 + extension;
      this.headerRead = true;
    }
    for (;;) {
      const next = this.decodeRow(buf, pos);
      if (next < 0) break;
      pos = next;
      if (this.ended) break;
      onRow(this.row);
    }
    this.pending = pos < buf.length ? buf.subarray(pos) : undefined;
  }

  /** Throws unless the stream ended with its trailer and nothing after it. */
  finish(): void {
    if (!this.ended || this.pending) throw new Error('the COPY stream ended mid-row');
  }

  /** The position after the row at `start`, -1 when it is not complete yet. */
  private decodeRow(buf: Buffer, start: number): number {
    const size = buf.length;
    if (size < start + 2) return -1;
    const count = ((buf[start] << 24) >> 16) | buf[start + 1];
    if (count === -1) {
      this.ended = true;
      return start + 2;
    }
    if (count !== FIELDS) throw new Error(`a COPY row of ${count} fields, ${FIELDS} expected`);
    let pos = start + 2;
    const row = this.row;
    for (let i = 0; i < FIELDS; i++) {
      if (size < pos + 4) return -1;
      const length = int32(buf, pos);
      pos += 4;
      if (length === -1) {
        row[i] = null;
        continue;
      }
      if (size < pos + length) return -1;
      switch (KINDS[i]) {
        case Kind.Timestamp:
          // Microseconds since 2000 (exact as a double for any date a record can have), floored to milliseconds.
          row[i] = Math.floor((int32(buf, pos) * TWO_32 + uint32(buf, pos + 4)) / 1000) + PG_EPOCH_MS;
          break;
        case Kind.Int4:
          row[i] = int32(buf, pos);
          break;
        case Kind.Int8:
          // As a double, rounded as Number() of its text is.
          row[i] = int32(buf, pos) * TWO_32 + uint32(buf, pos + 4);
          break;
        case Kind.Jsonb:
          // Version 1, then the text PostgreSQL prints.
          row[i] = utf8(buf, pos + 1, pos + length);
          break;
        default:
          row[i] = utf8(buf, pos, pos + length);
      }
      pos += length;
    }
    return pos;
  }
}

const enum Kind {
  Text,
  Int4,
  Int8,
  Timestamp,
  Jsonb,
}

/** The binary type of each selected column, by position (see EXPORT_SELECT_LIST). */
const KINDS: readonly Kind[] = Array.from({ length: FIELDS }, (_, i) => {
  if (i === 1 || i === FIELDS - 1) return Kind.Timestamp;
  if (i === 9) return Kind.Int4;
  if (i >= 10 && i < 10 + COUNTS) return Kind.Int8;
  if (i === FIELDS - 3 || i === FIELDS - 2) return Kind.Jsonb;
  return Kind.Text;
});

const int32 = (buf: Buffer, pos: number) => (buf[pos] << 24) | (buf[pos + 1] << 16) | (buf[pos + 2] << 8) | buf[pos + 3];
const uint32 = (buf: Buffer, pos: number) => int32(buf, pos) >>> 0;

/** UTF-8 text; a short ASCII one (most: ids, models, statuses) without the cost of a decoder call. */
function utf8(buf: Buffer, start: number, end: number): string {
  if (end - start > 24) return buf.toString('utf8', start, end);
  let text = '';
  for (let i = start; i < end; i++) {
    const byte = buf[i];
    if (byte > 127) return buf.toString('utf8', start, end);
    text += String.fromCharCode(byte);
  }
  return text;
}

/** Results of a function of a string that repeats (models, tags), remembered for the most recent 1,024 inputs. */
class Memo {
  private readonly seen = new Map<string, string>();

  constructor(private readonly compute: (input: string) => string) {}

  get(input: string): string {
    let output = this.seen.get(input);
    if (output === undefined) {
      output = this.compute(input);
      if (this.seen.size >= 1024) this.seen.clear();
      this.seen.set(input, output);
    }
    return output;
  }
}

/**
 * jsonb text as JSON.stringify writes the parsed value (no spaces; integer-like keys first, as a JS object orders
 * them): what the paged view's `tags` and `metadata` became.
 */
const normalizeJson = (jsonb: string) => (jsonb === '{}' ? jsonb : JSON.stringify(JSON.parse(jsonb)));

const DAY_MS = 86_400_000;
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
let isoDay = NaN;
let isoDate = '';

/**
 * `new Date(ms).toISOString()`, the date part kept from the last call: a page or an export's records fall on few
 * days, and formatting the date each time was a tenth of the encoder's time.
 */
export function iso(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  if (day !== isoDay) {
    isoDay = day;
    // Everything before the time of day, whatever the year's form (`+010000-01-01T` too).
    isoDate = new Date(day * DAY_MS).toISOString().slice(0, -13);
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return `${isoDate}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[rest - seconds * 1000]}Z`;
}
const str = (value: string | number | null) => (value === null ? 'null' : JSON.stringify(value));

/** Writes decoded rows as lines of the export's format. */
export class ExportLineEncoder {
  private readonly json = new Memo(normalizeJson);
  private readonly jsonCell = new Memo((jsonb) => csvText(normalizeJson(jsonb)));
  /** Provider, model and price entry: a handful of values in a project. */
  private readonly cell = new Memo(csvText);

  constructor(readonly format: UsageImportFormat) {}

  /** What the file starts with: the CSV's header line, nothing for JSON Lines. */
  header(): string {
    return this.format === 'csv' ? USAGE_CSV_COLUMNS.join(',') + '\r\n' : '';
  }

  line(row: Row): string {
    return this.format === 'csv' ? this.csv(row) : this.jsonl(row);
  }

  private csv(r: Row): string {
    let line = `${csvText(r[0] as string)},${iso(r[1] as number)},${this.cell.get(r[2] as string)},${this.cell.get(r[3] as string)},${r[4] as string},${csvText(r[5] as string | null)},${csvText(r[6] as string | null)},${csvText(r[7] as string | null)},${csvText(r[8] as string | null)},${r[9] === null ? '' : String(r[9])}`;
    for (let i = 10; i < 10 + COUNTS; i++) line += ',' + String(r[i]);
    const c = 10 + COUNTS;
    return (
      line +
      `,${(r[c] as string | null) ?? ''},USD,${r[c + 1] as string},${r[c + 2] === null ? '' : this.cell.get(r[c + 2] as string)},${(r[c + 3] as string | null) ?? ''},` +
      `${this.jsonCell.get(r[c + 4] as string)},${this.jsonCell.get(r[c + 5] as string)},${iso(r[c + 6] as number)}\r\n`
    );
  }

  private jsonl(r: Row): string {
    return this.record(r) + '\n';
  }

  /** The record as `JSON.stringify(view)` writes its `UsageRecordView`, piece by piece in the view's key order. */
  record(r: Row): string {
    let usage = '';
    for (let i = 0; i < COUNTS; i++) usage += `${i === 0 ? '' : ','}${COUNT_KEYS[i]}:${String(r[10 + i])}`;
    const c = 10 + COUNTS;
    return (
      `{"id":${str(r[0])},"timestamp":"${iso(r[1] as number)}","provider":${str(r[2])},"model":${str(r[3])},"usage":{${usage}},` +
      `"latencyMs":${r[9] === null ? 'null' : String(r[9])},"status":${str(r[4])},"errorType":${str(r[5])},"userId":${str(r[6])},` +
      `"traceId":${str(r[7])},"spanId":${str(r[8])},"tags":${this.json.get(r[c + 4] as string)},"metadata":${this.json.get(r[c + 5] as string)},` +
      `"cost":{"status":${str(r[c + 1])},"amount":${str(r[c])},"currency":"USD","priceEntryId":${str(r[c + 2])},"priceOrigin":${str(r[c + 3])}},` +
      `"receivedAt":"${iso(r[c + 6] as number)}"}`
    );
  }
}
