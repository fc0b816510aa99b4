import { csvText } from '@llmlab/contracts';
import { ExportLineEncoder, ExportRowDecoder, iso } from './usage-export.encoding';

/** A binary COPY stream of `rows` in the export's column order (29 fields: see EXPORT_SELECT_LIST). */
function copyStream(rows: (Buffer | null)[][]): Buffer {
  const parts: Buffer[] = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)];
  for (const row of rows) {
    const count = Buffer.alloc(2);
    count.writeInt16BE(row.length);
    parts.push(count);
    for (const field of row) {
      const length = Buffer.alloc(4);
      length.writeInt32BE(field ? field.length : -1);
      parts.push(length, ...(field ? [field] : []));
    }
  }
  parts.push(Buffer.from([0xff, 0xff]));
  return Buffer.concat(parts);
}

const text = (s: string) => Buffer.from(s, 'utf8');
const int4 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const int8 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
};
const timestamptz = (iso: string) => int8(BigInt(Date.parse(iso) - Date.parse('2000-01-01T00:00:00Z')) * 1000n + 999n);
const jsonb = (s: string) => Buffer.concat([Buffer.from([1]), text(s)]);

function row(id: string, overrides: Partial<Record<number, Buffer | null>> = {}): (Buffer | null)[] {
  const fields: (Buffer | null)[] = [
    text(id),
    timestamptz('2025-06-01T12:00:00.123Z'),
    text('openai'),
    text('gpt-4o-mini'),
    text('success'),
    null,
    text('u-1'),
    null,
    null,
    int4(420),
    ...Array.from({ length: 12 }, (_, i) => int8(BigInt(i * 1000))),
    text('0.000270000000'),
    text('priced'),
    text('openai:gpt-4o-mini'),
    text('catalog'),
    jsonb('{"feature": "search"}'),
    jsonb('{}'),
    timestamptz('1999-12-31T23:59:59.999Z'),
  ];
  for (const [i, value] of Object.entries(overrides)) fields[Number(i)] = value ?? null;
  return fields;
}

describe('the export encoding', () => {
  const stream = copyStream([row('evt-1'), row('evt-2', { 9: null, 22: null, 28: timestamptz('2030-01-02T03:04:05.006Z') })]);

  it('decodes a binary COPY stream however it is cut into chunks', () => {
    const whole: string[] = [];
    const encoder = new ExportLineEncoder('jsonl');
    const decoder = new ExportRowDecoder();
    decoder.push(stream, (r) => whole.push(encoder.line(r)));
    decoder.finish();
    expect(whole).toHaveLength(2);
    for (const size of [1, 2, 3, 7, 19, 64]) {
      const cut: string[] = [];
      const d = new ExportRowDecoder();
      for (let at = 0; at < stream.length; at += size) d.push(stream.subarray(at, at + size), (r) => cut.push(encoder.line(r)));
      d.finish();
      expect(cut).toEqual(whole);
    }
    expect(JSON.parse(whole[0])).toMatchObject({
      id: 'evt-1',
      timestamp: '2025-06-01T12:00:00.123Z',
      latencyMs: 420,
      usage: { inputTokens: 0, outputTokens: 1000, outputImageTokens: 11000 },
      tags: { feature: 'search' },
      cost: { amount: '0.000270000000', status: 'priced', currency: 'USD' },
      receivedAt: '1999-12-31T23:59:59.999Z',
    });
    expect(JSON.parse(whole[1])).toMatchObject({ latencyMs: null, cost: { amount: null }, receivedAt: '2030-01-02T03:04:05.006Z' });
  });

  it('writes the CSV header, then a line of every column per record', () => {
    const encoder = new ExportLineEncoder('csv');
    let out = encoder.header();
    const decoder = new ExportRowDecoder();
    decoder.push(stream, (r) => (out += encoder.line(r)));
    const lines = out.split('\r\n');
    expect(lines[0].split(',')).toHaveLength(30);
    expect(lines[1]).toBe(
      'evt-1,2025-06-01T12:00:00.123Z,openai,gpt-4o-mini,success,,u-1,,,420,0,1000,2000,3000,4000,5000,6000,7000,8000,9000,10000,11000,' +
        '0.000270000000,USD,priced,openai:gpt-4o-mini,catalog,"{""feature"":""search""}",{},1999-12-31T23:59:59.999Z',
    );
    expect(lines[2]).toContain(',,,,');
  });

  it('refuses a stream cut short (never a silently shorter file)', () => {
    const decoder = new ExportRowDecoder();
    decoder.push(stream.subarray(0, stream.length - 10), () => undefined);
    expect(() => decoder.finish()).toThrow('the COPY stream ended mid-row');
    expect(() => new ExportRowDecoder().push(Buffer.alloc(40), () => undefined)).toThrow('not a binary COPY stream');
  });

  it('quotes cells RFC 4180 style and defuses what a spreadsheet would run as a formula', () => {
    expect(csvText('plain')).toBe('plain');
    expect(csvText('a,b')).toBe('"a,b"');
    expect(csvText('say "hi"')).toBe('"say ""hi"""');
    expect(csvText('line\nbreak')).toBe('"line\nbreak"');
    expect(csvText('=SUM(A1:A9)')).toBe("'=SUM(A1:A9)");
    expect(csvText('+1')).toBe("'+1");
    expect(csvText('-2')).toBe("'-2");
    expect(csvText('@cmd')).toBe("'@cmd");
    expect(csvText('=HYPERLINK("x","y")')).toBe(`"'=HYPERLINK(""x"",""y"")"`);
    expect(csvText(null)).toBe('');
  });

  it('writes instants exactly as toISOString does, across days, years and the epoch', () => {
    const samples = [0, -1, 1, 86_399_999, 86_400_000, -86_400_001, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(1969, 11, 31, 12)];
    samples.push(253_402_300_800_000, -62_198_755_200_001); // +010000-01-01 and -000001-12-31
    // 5,000 instants from 1843 to 2096, the same every run.
    for (let i = 0, x = 12_345; i < 5_000; i++) samples.push((x = (x * 48_271) % 2_147_483_647) * 3_725 - 4e12);
    for (const ms of samples) expect([ms, iso(ms)]).toEqual([ms, new Date(ms).toISOString()]);
  });
});
