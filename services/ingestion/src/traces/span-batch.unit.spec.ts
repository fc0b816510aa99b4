import { IngestionErrorCode, type SpanBatchAccepted, type SpanInput } from '@llmlab/contracts';
import { pseudonymOf } from '../end-users/end-user-pseudonyms';
import { parseSpanBatch, SPAN_PART_MAX_BYTES, SPAN_PART_MAX_SPANS, spansRecordedParts } from './span-batch';

const pseudonym = (userId: string) => pseudonymOf(Buffer.alloc(32, 3), userId);

const TRACE = '0af7651916cd43dd8448eb211c80319c';

function span(overrides: Partial<SpanInput> = {}): SpanInput {
  return {
    traceId: TRACE,
    spanId: 'b7ad6b7169203331',
    name: 'chat gpt-4o',
    kind: 'client',
    category: 'llm',
    startTime: '2026-12-04T10:00:00.123456Z',
    endTime: '2026-12-04T10:00:01Z',
    status: 'ok',
    tags: { team: 'a' },
    attributes: { 'http.status_code': 200 },
    events: [],
    ...overrides,
  };
}

function batch(spans: unknown[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    batchId: '0193a5b2-7c4e-7000-8000-000000000001',
    organizationId: '0193A5B2-7C4E-7000-8000-000000000002',
    projectId: '0193a5b2-7c4e-7000-8000-000000000003',
    apiKeyId: '0193a5b2-7c4e-7000-8000-000000000004',
    receivedAt: '2026-12-04T10:00:02Z',
    spans,
    ...overrides,
  };
}

function errorsOf(raw: unknown): { code: string; fields: string[] } {
  try {
    parseSpanBatch(raw);
  } catch (error) {
    const e = error as { code: string; errors?: { field: string }[] };
    return { code: e.code, fields: (e.errors ?? []).map((d) => d.field) };
  }
  throw new Error('accepted');
}

describe('parseSpanBatch', () => {
  it('reads a valid batch, ids lowercased', () => {
    const parsed = parseSpanBatch(batch([span()]));
    expect(parsed.organizationId).toBe('0193a5b2-7c4e-7000-8000-000000000002');
    expect(parsed.receivedAt).toBe('2026-12-04T10:00:02.000Z');
    expect(parsed.spans).toEqual([span()]);
  });

  it.each([
    ['not an object', [], '/'],
    ['a batch id that is not a UUID', batch([span()], { batchId: 'b-1' }), '/batchId'],
    ['no spans', batch([]), '/spans'],
    ['a trace id in capitals', batch([span({ traceId: TRACE.toUpperCase() })]), '/spans/0/traceId'],
    ['a short span id', batch([span({ spanId: 'abc' })]), '/spans/0/spanId'],
    ['an unknown kind', batch([span({ kind: 'thing' as never })]), '/spans/0/kind'],
    ['an unknown category', batch([span({ category: 'thing' as never })]), '/spans/0/category'],
    ['an end that is not an instant', batch([span({ endTime: 'later' })]), '/spans/0/endTime'],
    ['a tag that is not a string', batch([span({ tags: { n: 1 } as never })]), '/spans/0/tags'],
    ['a NUL character in an attribute', batch([span({ attributes: { note: 'a\u0000b' } })]), '/spans/0'],
  ])('refuses %s with INVALID_SPAN_BATCH naming the field', (_what, raw, field) => {
    const { code, fields } = errorsOf(raw);
    expect(code).toBe(IngestionErrorCode.InvalidSpanBatch);
    expect(fields).toContain(field);
  });
});

describe('spansRecordedParts', () => {
  const accepted = (spans: SpanInput[]): SpanBatchAccepted => parseSpanBatch(batch(spans));

  it('leaves the content out of every part', () => {
    const parts = spansRecordedParts(accepted([span({ content: { input: 'prompt', output: 'answer', truncated: false } })]), pseudonym);
    expect(parts).toHaveLength(1);
    expect(parts[0].spans[0]).not.toHaveProperty('content');
    expect(JSON.stringify(parts)).not.toContain('prompt');
  });

  it('keeps the end user as its keyed pseudonym, never the id', () => {
    const parts = spansRecordedParts(accepted([span({ userId: 'grace@example.com' })]), pseudonym);
    expect(parts[0].spans[0].endUser).toBe(pseudonym('grace@example.com'));
    expect(JSON.stringify(parts)).not.toContain('grace@example.com');
  });

  it('cuts parts by count and by size, the same way every time', () => {
    const many = Array.from({ length: SPAN_PART_MAX_SPANS + 1 }, () => span());
    expect(spansRecordedParts(accepted(many), pseudonym).map((p) => [p.part, p.spans.length])).toEqual([
      [0, SPAN_PART_MAX_SPANS],
      [1, 1],
    ]);
    const big = Array.from({ length: 40 }, () => span({ attributes: { note: 'x'.repeat(16 * 1024) } }));
    const parts = spansRecordedParts(accepted(big), pseudonym);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) {
      const bytes = p.spans.reduce((sum, s) => sum + Buffer.byteLength(JSON.stringify(s)), 0);
      expect(bytes).toBeLessThanOrEqual(SPAN_PART_MAX_BYTES);
    }
    expect(spansRecordedParts(accepted(big), pseudonym)).toEqual(parts);
  });
});
