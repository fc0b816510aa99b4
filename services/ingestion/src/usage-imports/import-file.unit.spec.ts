import { Readable } from 'node:stream';
import { USAGE_CSV_COLUMNS } from '@llmlab/contracts';
import { ImportFileError, readImportFile, type ImportRecord } from './import-file';

const read = async (text: string, format: 'csv' | 'jsonl', chunk = 7): Promise<ImportRecord[]> => {
  // Small chunks: a line, a quoted cell or a CRLF cut across two reads must come out whole.
  const chunks: Buffer[] = [];
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
  const out: ImportRecord[] = [];
  for await (const record of readImportFile(Readable.from(chunks), format)) out.push(record);
  return out;
};

const HEADER = USAGE_CSV_COLUMNS.join(',');
/** One line of the export's CSV: its cells in header order, the counts zero unless given. */
const row = (cells: Partial<Record<(typeof USAGE_CSV_COLUMNS)[number], string>>) =>
  USAGE_CSV_COLUMNS.map((c) => cells[c] ?? (c.endsWith('_tokens') ? '0' : '')).join(',');
const base = { id: 'e-1', timestamp: '2026-01-02T03:04:05.000Z', provider: 'openai', model: 'gpt-4o', status: 'success', latency_ms: '12' };

describe('readImportFile: CSV as the usage export writes it', () => {
  it('reads quoted cells, a BOM and CRLF line ends back into events', async () => {
    const text =
      '\uFEFF' +
      [
        HEADER,
        row({
          ...base,
          input_tokens: '100',
          output_tokens: '20',
          cached_input_tokens: '50',
          user_id: '"a, ""quoted"" user"',
          trace_id: "'=HYPERLINK(1)",
          tags: '"{""team,x"":""a""}"',
          metadata: '"{""n"":1}"',
          cost: '0.5',
          currency: 'USD',
          cost_status: 'priced',
          received_at: '2026-01-02T03:04:06.000Z',
        }),
      ].join('\r\n') +
      '\r\n';
    const [record, ...rest] = await read(text, 'csv');
    expect(rest).toEqual([]);
    expect(record).toEqual({
      line: 2,
      endLine: 2,
      errors: [],
      candidate: {
        id: 'e-1',
        timestamp: '2026-01-02T03:04:05.000Z',
        provider: 'openai',
        model: 'gpt-4o',
        status: 'success',
        latencyMs: 12,
        userId: 'a, "quoted" user',
        traceId: '=HYPERLINK(1)',
        usage: expect.objectContaining({ inputTokens: 100, outputTokens: 20, cachedInputTokens: 50, reasoningTokens: 0 }),
        tags: { 'team,x': 'a' },
        metadata: { n: 1 },
      },
    });
  });

  it("keeps a client's own cost and drops one the catalog computed", async () => {
    const records = await read(
      [
        HEADER,
        row({ ...base, cost: '0.123', currency: 'USD', cost_status: 'override' }),
        row({ ...base, id: 'e-2', cost: '0.5', currency: 'USD', cost_status: 'priced' }),
      ].join('\n'),
      'csv',
    );
    expect(records[0].candidate?.cost).toEqual({ amount: '0.123', currency: 'USD' });
    expect(records[1].candidate).not.toHaveProperty('cost');
  });

  it('numbers lines from the start of each record, across quoted line breaks and blank lines', async () => {
    const text = [HEADER, row({ ...base, user_id: '"two\r\nlines"' }), '', row({ ...base, id: 'e-2' }), row({ ...base, id: 'e-3' })].join(
      '\r\n',
    );
    const records = await read(text, 'csv', 3);
    expect(records.map((r) => [r.line, r.endLine])).toEqual([
      [2, 3],
      [5, 5],
      [6, 6],
    ]);
    expect(records[0].candidate?.userId).toBe('two\r\nlines');
  });

  it('names the cell a value does not fit, for the validator to report', async () => {
    const [bad, short] = await read([HEADER, row({ ...base, input_tokens: 'many', tags: '{oops' }), 'x,y'].join('\n'), 'csv');
    expect(bad).toMatchObject({ line: 2, errors: [{ field: '/tags', message: 'must be a JSON object' }] });
    expect(short).toMatchObject({
      line: 3,
      errors: [{ field: '/', message: `has 2 cells where the header has ${USAGE_CSV_COLUMNS.length} columns` }],
    });
  });

  it('takes a header with only the required columns, in any order (latency is optional)', async () => {
    const [record] = await read(
      'model,id,timestamp,provider,status,output_tokens,input_tokens\ngpt-4o,e-9,2026-01-02T00:00:00Z,openai,error,2,3\n',
      'csv',
    );
    expect(record.candidate).toEqual({
      id: 'e-9',
      model: 'gpt-4o',
      provider: 'openai',
      timestamp: '2026-01-02T00:00:00Z',
      status: 'error',
      usage: { inputTokens: 3, outputTokens: 2 },
    });
    const [blank] = await read([HEADER, row({ ...base, latency_ms: '' })].join('\n'), 'csv');
    expect(blank.candidate).not.toHaveProperty('latencyMs');
  });

  it('refuses a header that is not the export one, an empty file and a quote never closed, with the line', async () => {
    await expect(read('id,when\n1,2\n', 'csv')).rejects.toThrow(
      new ImportFileError(1, 'unknown column "when": the header must be the usage export\'s'),
    );
    await expect(read('id,timestamp\n', 'csv')).rejects.toThrow(/^line 1: column "provider" is missing/);
    await expect(read('', 'csv')).rejects.toThrow(/^line 1: the file is empty/);
    await expect(read([HEADER, row(base), `${row({ ...base, id: '"e-2' })}`].join('\n'), 'csv')).rejects.toMatchObject({ line: 3 });
  });
});

describe('readImportFile: JSON Lines as the usage export writes it', () => {
  it('reads records back into events, with a BOM, CRLF and blank lines, and numbers every line', async () => {
    const record = {
      id: 'e-1',
      timestamp: '2026-01-02T03:04:05.000Z',
      provider: 'openai',
      model: 'gpt-4o',
      usage: { inputTokens: 1, outputTokens: 2 },
      latencyMs: 3,
      status: 'success',
      errorType: null,
      userId: null,
      traceId: 't',
      spanId: null,
      tags: {},
      metadata: {},
      cost: { status: 'priced', amount: '0.1', currency: 'USD', priceEntryId: 'x', priceOrigin: 'catalog' },
      receivedAt: '2026-01-02T03:04:06.000Z',
    };
    const own = {
      ...record,
      id: 'e-2',
      cost: { status: 'override', amount: '0.2', currency: 'USD', priceEntryId: null, priceOrigin: null },
    };
    const text = '\uFEFF' + [JSON.stringify(record), '', '{ nope', JSON.stringify(own), '[1]'].join('\r\n') + '\r\n';
    const records = await read(text, 'jsonl', 5);
    expect(records).toEqual([
      {
        line: 1,
        endLine: 1,
        errors: [],
        candidate: {
          id: 'e-1',
          timestamp: '2026-01-02T03:04:05.000Z',
          provider: 'openai',
          model: 'gpt-4o',
          usage: { inputTokens: 1, outputTokens: 2 },
          latencyMs: 3,
          status: 'success',
          traceId: 't',
          tags: {},
          metadata: {},
        },
      },
      { line: 3, endLine: 3, errors: [{ field: '/', message: 'is not valid JSON' }] },
      expect.objectContaining({ line: 4, candidate: expect.objectContaining({ id: 'e-2', cost: { amount: '0.2', currency: 'USD' } }) }),
      { line: 5, endLine: 5, errors: [{ field: '/', message: 'must be a JSON object (one usage record per line)' }] },
    ]);
  });

  it('leaves an unknown field in, for the validator to refuse', async () => {
    const [record] = await read('{"id":"a","surprise":1}\n', 'jsonl');
    expect(record.candidate).toEqual({ id: 'a', surprise: 1 });
  });
});
