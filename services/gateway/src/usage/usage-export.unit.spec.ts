import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { USAGE_CSV_COLUMNS, type UsageRecordsPage, type UsageRecordView } from '@llmlab/contracts';
import { exportChunks, text } from './usage-export';

function record(n: number, overrides: Partial<UsageRecordView> = {}): UsageRecordView {
  return {
    id: `evt-${n}`,
    timestamp: '2025-06-01T12:00:00.000Z',
    provider: 'openai',
    model: 'gpt-4o-mini',
    usage: {
      inputTokens: 1000,
      outputTokens: 200,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      cacheWrite1hTokens: 0,
      reasoningTokens: 0,
      inputAudioTokens: 0,
      cachedInputAudioTokens: 0,
      outputAudioTokens: 0,
      inputImageTokens: 0,
      cachedInputImageTokens: 0,
      outputImageTokens: 0,
    },
    latencyMs: 420,
    status: 'success',
    errorType: null,
    userId: 'u-1',
    traceId: null,
    spanId: null,
    tags: { feature: 'search' },
    metadata: {},
    cost: { status: 'priced', amount: '0.000270000000', currency: 'USD', priceEntryId: 'openai:gpt-4o-mini', priceOrigin: 'catalog' },
    receivedAt: '2025-06-01T12:00:01.000Z',
    ...overrides,
  };
}

/** `pages` pages of `size` records behind a cursor, counting how many were asked for. */
function pagedSource(pages: number, size: number) {
  const asked: number[] = [];
  const page = (n: number): UsageRecordsPage => ({
    data: Array.from({ length: size }, (_, i) => record(n * size + i)),
    nextCursor: n + 1 < pages ? `c${n + 1}` : null,
  });
  return {
    asked,
    first: page(0),
    next: async (cursor: string) => {
      const n = Number(cursor.slice(1));
      asked.push(n);
      return page(n);
    },
  };
}

describe('usage export', () => {
  it('writes a CSV header, then one line per record with every column', async () => {
    const source = pagedSource(2, 2);
    const chunks: string[] = [];
    for await (const chunk of exportChunks('csv', source.first, source.next)) chunks.push(chunk);
    const lines = chunks.join('').split('\r\n').slice(0, -1);
    expect(lines[0]).toBe(USAGE_CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(5);
    expect(lines[1].split(',')).toHaveLength(USAGE_CSV_COLUMNS.length);
    expect(lines[1]).toBe(
      'evt-0,2025-06-01T12:00:00.000Z,openai,gpt-4o-mini,success,,u-1,,,420,1000,200,0,0,0,0,0,0,0,0,0,0,0.000270000000,USD,priced,openai:gpt-4o-mini,catalog,"{""feature"":""search""}",{},2025-06-01T12:00:01.000Z',
    );
    expect(USAGE_CSV_COLUMNS).toContain('cache_write_1h_tokens');
  });

  it('writes JSON Lines, one record per line, exactly as the API returns them', async () => {
    const source = pagedSource(3, 2);
    let out = '';
    for await (const chunk of exportChunks('jsonl', source.first, source.next)) out += chunk;
    const records = out
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as UsageRecordView);
    expect(records.map((r) => r.id)).toEqual(['evt-0', 'evt-1', 'evt-2', 'evt-3', 'evt-4', 'evt-5']);
    expect(records[0]).toEqual(record(0));
  });

  it('asks for the next page only once the reader has taken the previous one', async () => {
    const source = pagedSource(50, 100);
    const chunks = exportChunks('jsonl', source.first, source.next);
    let taken = 0;
    for await (const chunk of chunks) {
      expect(chunk.split('\n')).toHaveLength(101);
      // The page being read, and none ahead of it.
      expect(source.asked.length).toBe(taken);
      taken++;
    }
    expect(taken).toBe(50);
  });

  it('holds about one page when the reader is slow, whatever the export size', async () => {
    const source = pagedSource(40, 200);
    let maxAhead = 0;
    let written = 0;
    const slowSink = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, done) {
        written++;
        maxAhead = Math.max(maxAhead, source.asked.length + 1 - written);
        setTimeout(done, 2);
      },
    });
    await pipeline(Readable.from(exportChunks('csv', source.first, source.next)), slowSink);
    expect(source.asked).toHaveLength(39);
    // Pages fetched but not yet written: the page being written and at most the one the stream buffers.
    expect(maxAhead).toBeLessThanOrEqual(2);
  });

  it('quotes cells RFC 4180 style and defuses what a spreadsheet would run as a formula', () => {
    expect(text('plain')).toBe('plain');
    expect(text('a,b')).toBe('"a,b"');
    expect(text('say "hi"')).toBe('"say ""hi"""');
    expect(text('line\nbreak')).toBe('"line\nbreak"');
    expect(text('=SUM(A1:A9)')).toBe("'=SUM(A1:A9)");
    expect(text('+1')).toBe("'+1");
    expect(text('-2')).toBe("'-2");
    expect(text('@cmd')).toBe("'@cmd");
    expect(text('=HYPERLINK("x","y")')).toBe(`"'=HYPERLINK(""x"",""y"")"`);
    expect(text(null)).toBe('');
  });
});
