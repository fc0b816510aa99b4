import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '@llmlab/testing';
import { canonicalEncodingOfRow, canonicalEventEncoding, eventHash, jsonbText } from './event-encoding';
import { parseExactJson } from './exact-json';
import { exportLineText } from './testing/export-world';

// Payloads chosen to hit every rule of jsonb's text output: key order (length first, then bytes, multi-byte keys),
// escapes, control characters, non-ASCII text, and numbers JSON.stringify writes with exponents or many digits.
const TRICKY: unknown[] = [
  { b: 1, a: 2, aa: 3, Z: 4, é: 5, e: 6, '': 7, '10': 8, '9': 9 },
  { nested: { z: [1, 2, { y: null, x: true }], a: false }, list: [] as unknown[], empty: {} },
  { text: 'quote " backslash \\ slash / tab \t newline \n return \r bell \u0007 form \f back \b del \u007f' },
  { unicode: 'é ü 中文 🙂 \u2028 \u2029', keyé: 'x', ключ: 'значение' },
  {
    numbers: [
      0, -0, 1, -1, 0.1, 0.5, 1.5, 123.456, 1e-7, 1.5e-7, 2.5e-10, 1e21, 1.23e21, 9007199254740991, -9007199254740991, 1e300, 5e-324,
    ],
  },
  { money: '0.000123000000', ints: [10, 100, 1000000, 2 ** 53], floats: [Math.PI, Math.E, 1 / 3, 2 / 3, 0.30000000000000004] },
  [1, 'two', [3, [4, [5]]], { six: 6 }],
  'a bare string',
  42,
  null,
];

// Numbers as text, as SQL or another client could have written them: jsonb keeps their digits and scale.
const NUMBER_TEXTS = [
  '0',
  '-0',
  '-0.000',
  '0.0',
  '1.50',
  '1e2',
  '1E+2',
  '1.5e1',
  '1.50e1',
  '100e-2',
  '0e10',
  '0e-3',
  '-0e-3',
  '-1.5e-3',
  '1e-20',
  '12345678901234567890123',
  '1.23456789012345678901234567890',
  '9007199254740993',
  '1e21',
  '1e400',
  '2.5e-400',
  '1e131071',
  '1.0e131071',
  '0.0e-16382',
  '0e200000',
];
// Beyond numeric's range: PostgreSQL refuses them, and so does the encoding.
const OVERFLOWING = ['1e131072', '10e131071', '0.0e-16383', '1e-16384', '1e99999999999999999999'];

describe('the event hash, recomputed outside PostgreSQL', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new Pool({ connectionString: db.url, max: 2 });
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('writes every value exactly as jsonb prints it', async () => {
    for (const value of TRICKY) {
      const { rows } = await pool.query<{ text: string }>('SELECT $1::jsonb::text AS text', [JSON.stringify(value)]);
      expect(jsonbText(value)).toBe(rows[0].text);
    }
  });

  it('writes a number from its text exactly as jsonb prints it, and refuses what numeric cannot hold', async () => {
    for (const text of NUMBER_TEXTS) {
      const { rows } = await pool.query<{ text: string }>('SELECT $1::jsonb::text AS text', [text]);
      expect([text, jsonbText(parseExactJson(text))]).toEqual([text, rows[0].text]);
    }
    for (const text of OVERFLOWING) {
      await expect(pool.query('SELECT $1::jsonb::text', [text])).rejects.toThrow(/overflow|out of range/);
      expect(() => jsonbText(parseExactJson(text))).toThrow(/overflows PostgreSQL's numeric/);
    }
  });

  it('reads back its own output unchanged: the text jsonb printed, parsed exactly, prints the same', async () => {
    for (const value of [...TRICKY, NUMBER_TEXTS.map((t) => parseExactJson(t))]) {
      const { rows } = await pool.query<{ text: string }>('SELECT $1::jsonb::text AS text', [exportLineText(value)]);
      expect(jsonbText(parseExactJson(rows[0].text))).toBe(rows[0].text);
    }
  });

  it("gives the store's own hash for events appended with those payloads", async () => {
    const stream = `test.encoding-${randomUUID()}`;
    const payloads = TRICKY.filter((data) => typeof data === 'object' && data !== null && !Array.isArray(data));
    for (const [revision, data] of payloads.entries()) {
      await pool.query(
        `INSERT INTO event_store.events (stream_id, revision, event_id, type, version, data, metadata) VALUES ($1, $2, $3, 'TestEncoded', 1, $4, $5)`,
        [
          stream,
          revision,
          randomUUID(),
          JSON.stringify(data),
          JSON.stringify({ actor: { type: 'system', id: 'test' }, correlationId: 'é"\n' }),
        ],
      );
    }
    const { rows } = await pool.query<{
      position: string;
      stream_id: string;
      revision: string;
      event_id: string;
      type: string;
      version: number;
      data: unknown;
      metadata: unknown;
      data_text: string;
      metadata_text: string;
      recorded_at: string;
      prev_hash: string;
      hash: string;
      canonical: string;
    }>(
      `SELECT position, stream_id, revision, event_id, type, version, data, metadata, data::text AS data_text,
              metadata::text AS metadata_text, to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS recorded_at,
              prev_hash, hash, event_store.canonical_encoding(e) AS canonical
       FROM event_store.events e WHERE stream_id = $1 ORDER BY position`,
      [stream],
    );
    expect(rows).toHaveLength(payloads.length);
    for (const r of rows) {
      const event = {
        position: Number(r.position),
        streamId: r.stream_id,
        revision: Number(r.revision),
        eventId: r.event_id,
        type: r.type,
        version: r.version,
        data: r.data,
        metadata: r.metadata,
        recordedAt: r.recorded_at,
        prevHash: r.prev_hash,
      };
      expect(canonicalEventEncoding(event)).toBe(r.canonical);
      expect(canonicalEncodingOfRow({ ...event, dataText: r.data_text, metadataText: r.metadata_text })).toBe(r.canonical);
      expect(eventHash(event)).toBe(r.hash);
    }
  });

  it('gives the store’s hash for data written by SQL, read from its jsonb text as an export carries it exactly', async () => {
    const stream = `test.encoding-sql-${randomUUID()}`;
    const data = `{"amount": 1.50, "big": 12345678901234567890123, "scaled": 2.50e1, "zero": -0.00, "tiny": 1e-9, "é": [1E+2]}`;
    await pool.query(
      `INSERT INTO event_store.events (stream_id, revision, event_id, type, version, data, metadata)
       VALUES ($1, 0, $2, 'TestEncoded', 1, $3::jsonb, jsonb_build_object('amount', 1.500::numeric, 'n', 10.0 * 3))`,
      [stream, randomUUID(), data],
    );
    const { rows } = await pool.query<{
      position: string;
      stream_id: string;
      event_id: string;
      data_text: string;
      metadata_text: string;
      recorded_at: string;
      prev_hash: string;
      hash: string;
    }>(
      `SELECT position, stream_id, event_id, data::text AS data_text, metadata::text AS metadata_text,
              to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS recorded_at, prev_hash, hash
       FROM event_store.events WHERE stream_id = $1`,
      [stream],
    );
    const r = rows[0];
    const columns = {
      position: Number(r.position),
      streamId: r.stream_id,
      revision: 0,
      eventId: r.event_id,
      type: 'TestEncoded',
      version: 1,
      recordedAt: r.recorded_at,
      prevHash: r.prev_hash,
    };
    expect(eventHash({ ...columns, data: parseExactJson(r.data_text), metadata: parseExactJson(r.metadata_text) })).toBe(r.hash);
    // Read with JSON.parse, the same text loses digits (1.50 → 1.5, the big integer rounded): another hash.
    expect(eventHash({ ...columns, data: JSON.parse(r.data_text), metadata: JSON.parse(r.metadata_text) })).not.toBe(r.hash);
  });
});
