import { Readable } from 'node:stream';
import {
  csvText,
  ingestionSubjects,
  USAGE_COUNT_FIELDS,
  USAGE_CSV_COLUMNS,
  type UsageExportRequest,
  type UsageImportFormat,
  type UsageRecordsPage,
  type UsageRecordView,
} from '@llmlab/contracts';
import { natsSubject, openChunkStream, type ChunkStream } from '@llmlab/messaging';
import { eventually, uniqueSuffix } from '@llmlab/testing';
import { readImportFile } from '../src/usage-imports/import-file';
import { IngestionHarness } from './ingestion.harness';
import { newTenant, type Tenant } from './usage.fixtures';

/**
 * The paged export's encoder as the gateway had it (a view at a time): the reference the streamed export must match
 * byte for byte.
 */
const reference = {
  jsonl: (r: UsageRecordView) => JSON.stringify(r) + '\n',
  csv: (r: UsageRecordView) =>
    [
      csvText(r.id),
      r.timestamp,
      csvText(r.provider),
      csvText(r.model),
      r.status,
      csvText(r.errorType),
      csvText(r.userId),
      csvText(r.traceId),
      csvText(r.spanId),
      r.latencyMs === null ? '' : String(r.latencyMs),
      ...USAGE_COUNT_FIELDS.map((c) => String(r.usage[c])),
      r.cost.amount ?? '',
      r.cost.currency,
      r.cost.status,
      csvText(r.cost.priceEntryId),
      r.cost.priceOrigin ?? '',
      csvText(JSON.stringify(r.tags)),
      csvText(JSON.stringify(r.metadata)),
      r.receivedAt,
    ].join(',') + '\r\n',
};

type Seed = { id: string; at: string; received?: string } & Record<string, unknown>;

const AWKWARD_TEXTS = [
  'plain',
  'comma, inside',
  'say "hi"',
  'line\nbreak',
  'carriage\r\nreturn',
  '=SUM(A1:A9)',
  '+1',
  '-2',
  '@cmd',
  '\tTab first',
  '\rCR first',
  '=HYPERLINK("x","y")',
  'ünïcödé 日本語 🚀 e\u0301 \u2028 \u2029',
  "'quoted already",
  ' spaces ',
];

describe('usage export (COPY binary, streamed)', () => {
  let h: IngestionHarness;
  let p1: Tenant;
  let p2: Tenant;
  const from = new Date(Date.now() - 5 * 86_400_000).toISOString();
  const to = new Date(Date.now() + 60_000).toISOString();
  let position = 0;

  /** Rows straight into the read model (the values the pipeline would have written), with defaults for the rest. */
  async function insert(t: Tenant, rows: Seed[]) {
    for (const row of rows) {
      const r: Seed = {
        error_type: null,
        latency_ms: 120,
        user_id: null,
        trace_id: null,
        span_id: null,
        tags: {},
        metadata: {},
        counts: [100, 20],
        cost: '0.000120000000',
        cost_status: 'priced',
        price_entry_id: 'acme:m',
        price_origin: 'catalog',
        status: 'success',
        provider: 'acme',
        model: 'm',
        ...row,
      };
      const counts = Array.from({ length: 12 }, (_, i) => String((r.counts as (number | string)[])[i] ?? 0));
      await h.sql.query(
        `INSERT INTO ingestion.usage_records (organization_id, project_id, event_id, occurred_at, received_at, batch_id, api_key_id, provider, model,
           status, error_type, latency_ms, user_id, trace_id, span_id, tags, metadata, input_tokens, output_tokens, cached_input_tokens,
           cache_write_tokens, cache_write_1h_tokens, reasoning_tokens, input_audio_tokens, cached_input_audio_tokens, output_audio_tokens,
           input_image_tokens, cached_input_image_tokens, output_image_tokens, cost, cost_status, price_entry_id, price_origin, recorded_position)
         VALUES ($1, $2, $3, $4, $5, gen_random_uuid(), $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::jsonb, $16::jsonb,
           $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33)`,
        [
          t.organizationId,
          t.projectId,
          r.id,
          r.at,
          r.received ?? r.at,
          t.apiKeyId,
          r.provider,
          r.model,
          r.status,
          r.error_type,
          r.latency_ms,
          r.user_id,
          r.trace_id,
          r.span_id,
          typeof r.tags === 'string' ? r.tags : JSON.stringify(r.tags),
          typeof r.metadata === 'string' ? r.metadata : JSON.stringify(r.metadata),
          ...counts,
          r.cost,
          r.cost_status,
          r.price_entry_id,
          r.price_origin,
          position++,
        ],
      );
    }
  }

  const at = (minutesAgo: number, ms = 0) => new Date(Date.now() - minutesAgo * 60_000 - ms).toISOString();

  beforeAll(async () => {
    h = await IngestionHarness.start();
    p1 = newTenant();
    p2 = newTenant(p1.organizationId);
    const awkward: Seed[] = AWKWARD_TEXTS.map((text, i) => ({
      id: `awk-${i}-${text}`,
      at: at(10 + i, 7),
      provider: text,
      model: text,
      error_type: text,
      status: 'error',
      user_id: text,
      trace_id: text,
      span_id: text,
      tags: { feature: text, [text]: 'v' },
      metadata: { note: text, nested: { list: [1, 'two', null, true, 2.5] } },
      price_entry_id: text,
    }));
    await insert(p1, [
      ...awkward,
      // Nulls everywhere a record may have one (an unpriced record, no latency, no user, no trace).
      { id: 'nulls', at: at(40), latency_ms: null, cost: null, cost_status: 'unpriced', price_entry_id: null, price_origin: null },
      // Large and exact decimals, large counts (beyond 2^53: rounded as Number() rounds them), an override.
      {
        id: 'large',
        at: at(41, 999),
        cost: '9999999999999999.999999999999',
        cost_status: 'override',
        price_origin: 'override',
        counts: ['9007199254740993', '9223372036854775807', '1', '0', '5', '6', '7', '8', '9', '10', '11', '12'],
        latency_ms: 2147483647,
      },
      { id: 'tiny', at: at(42, 1), cost: '0.000000000001' },
      { id: 'zero', at: at(42, 2), cost: '0.000000000000', latency_ms: 0 },
      // jsonb text that JSON.stringify writes differently: spaces, key order (integer-like keys first), numbers.
      {
        id: 'json-order',
        at: at(43),
        tags: '{"b": "1", "a": "2", "10": "x", "2": "y"}',
        metadata:
          '{"z": 1.0, "big": 123456789012345678901234567890, "exp": 1e2, "neg": -0.5, "10": {"2": [], "1": {}}, "s": "\\"q\\"\\n\\t\\\\"}',
      },
      // Two records at the same millisecond: ordered by event id, descending.
      { id: 'same-a', at: at(44) },
      { id: 'same-b', at: at(44) },
    ]);
    // Enough plain records for several chunks and several 1,000-record pages.
    const bulk: Seed[] = [];
    for (let i = 0; i < 2_600; i++) {
      bulk.push({
        id: `bulk-${String(i).padStart(5, '0')}`,
        at: at(100 + i, i % 1000),
        model: i % 3 === 0 ? 'm-three' : 'm',
        user_id: `u-${i % 7}`,
        status: i % 11 === 0 ? 'error' : 'success',
        tags: { feature: `f${i % 5}`, team: 't' },
        metadata: i % 2 ? { request: `r-${i}`, attempt: i % 4 } : {},
      });
    }
    await insert(p1, bulk);
    await insert(p2, [{ id: 'other-project', at: at(5) }]);
  }, 120_000);
  afterAll(() => h?.stop());

  const project = (t: Tenant) => ({ correlationId: `c-${uniqueSuffix(3)}`, organizationId: t.organizationId, projectId: t.projectId });

  function open(t: Tenant, request: Partial<UsageExportRequest>, options = {}) {
    return openChunkStream<typeof ingestionSubjects.usageExport>(
      h.runtime.nats,
      natsSubject(ingestionSubjects.usageExport, h.prefix),
      { from, to, format: 'csv', ...request },
      project(t),
      options,
    );
  }

  async function exported(t: Tenant, request: Partial<UsageExportRequest>): Promise<string> {
    const reply = await h.streamed(ingestionSubjects.usageExport, { from, to, format: 'csv', ...request }, project(t));
    if (!reply.ok) throw new Error(JSON.stringify(reply.error));
    return reply.data.toString('utf8');
  }

  /**
   * The views of a project's records as the records page built them before it was written from the COPY: a plain
   * SELECT through the driver, each row mapped field by field. The reference for the page and the export.
   */
  async function views(t: Tenant, filters: Partial<UsageExportRequest> = {}): Promise<UsageRecordView[]> {
    const params: unknown[] = [t.organizationId, t.projectId, from, to];
    const where = ['organization_id = $1', 'project_id = $2', 'occurred_at >= $3', 'occurred_at < $4'];
    for (const [field, column] of [
      ['model', 'model'],
      ['userId', 'user_id'],
      ['status', 'status'],
    ] as const) {
      if (filters[field] !== undefined) where.push(`${column} = $${params.push(filters[field])}`);
    }
    const counts = USAGE_COUNT_FIELDS.map((f) => f.replace(/[A-Z0-9]+/g, (m) => '_' + m.toLowerCase()));
    const { rows } = await h.sql.query(
      `SELECT event_id, occurred_at, provider, model, status, error_type, latency_ms, user_id, trace_id, span_id, tags, metadata,
         ${counts.join(', ')}, cost::text AS cost, cost_status, price_entry_id, price_origin, received_at
       FROM ingestion.usage_records WHERE ${where.join(' AND ')} ORDER BY occurred_at DESC, event_id DESC`,
      params,
    );
    return rows.map((row: Record<string, never>) => ({
      id: row.event_id,
      timestamp: (row.occurred_at as Date).toISOString(),
      provider: row.provider,
      model: row.model,
      usage: Object.fromEntries(USAGE_COUNT_FIELDS.map((f, i) => [f, Number(row[counts[i]])])) as UsageRecordView['usage'],
      latencyMs: row.latency_ms,
      status: row.status,
      errorType: row.error_type,
      userId: row.user_id,
      traceId: row.trace_id,
      spanId: row.span_id,
      tags: row.tags,
      metadata: row.metadata,
      cost: { status: row.cost_status, amount: row.cost, currency: 'USD', priceEntryId: row.price_entry_id, priceOrigin: row.price_origin },
      receivedAt: (row.received_at as Date).toISOString(),
    }));
  }

  /** What the paged export wrote: the views, each through the reference encoder. */
  async function paged(t: Tenant, format: UsageImportFormat, filters: Partial<UsageExportRequest> = {}): Promise<string> {
    const header = format === 'csv' ? USAGE_CSV_COLUMNS.join(',') + '\r\n' : '';
    return header + (await views(t, filters)).map(reference[format]).join('');
  }

  it.each([
    [{}, 1000],
    [{}, 7],
    [{ model: 'm-three', userId: 'u-3' }, 100],
    [{ status: 'error' as const }, 1000],
  ])(
    'answers the records page %j (limit %d) as the bytes of its JSON: each record JSON.stringify of its view, in order',
    async (filters, limit) => {
      const expected = await views(p1, filters);
      const seen: UsageRecordView[] = [];
      for (let cursor: string | null | undefined = undefined; cursor !== null;) {
        const reply = await h.streamed(
          ingestionSubjects.usageRecords,
          { from, to, limit, ...filters, ...(cursor ? { cursor } : {}) },
          project(p1),
        );
        if (!reply.ok) throw new Error(JSON.stringify(reply.error));
        const text = reply.data.toString('utf8');
        const page = JSON.parse(text) as UsageRecordsPage;
        // Byte for byte: the records as JSON.stringify writes the reference views, then the cursor.
        const views = expected.slice(seen.length, seen.length + page.data.length);
        expect(text).toBe(JSON.stringify({ data: views, nextCursor: page.nextCursor }));
        expect(page.data.length).toBe(Math.min(limit, expected.length - seen.length));
        seen.push(...page.data);
        cursor = page.nextCursor;
      }
      expect(seen.map((r) => r.id)).toEqual(expected.map((r) => r.id));
      expect(seen.length).toBeGreaterThan(100);
    },
  );

  it.each(['csv', 'jsonl'] as const)('writes %s byte for byte as the paged export did, every awkward value included', async (format) => {
    const [streamed, expected] = await Promise.all([exported(p1, { format }), paged(p1, format)]);
    expect(streamed.length).toBeGreaterThan(500_000);
    expect(streamed).toBe(expected);
    expect(streamed).not.toContain('other-project');
    if (format === 'jsonl') {
      const lines = streamed.trimEnd().split('\n');
      expect(lines).toHaveLength(2_600 + AWKWARD_TEXTS.length + 7);
      const large = lines.map((l) => JSON.parse(l) as UsageRecordView).find((r) => r.id === 'large');
      expect(large?.cost.amount).toBe('9999999999999999.999999999999');
    }
  });

  it('filters by model, end user and status as the paged export did', async () => {
    for (const filters of [
      { model: 'm-three' },
      { userId: 'u-3' },
      { status: 'error' as const },
      { model: 'm', userId: 'u-1', status: 'success' as const },
    ]) {
      for (const format of ['csv', 'jsonl'] as const) {
        expect(await exported(p1, { format, ...filters })).toBe(await paged(p1, format, filters));
      }
    }
    expect(await exported(p1, { format: 'jsonl', model: "nobody's model" })).toBe('');
    expect(await exported(p1, { format: 'csv', model: "nobody's model" })).toBe(USAGE_CSV_COLUMNS.join(',') + '\r\n');
  });

  it('writes files the backfill import reads back: every record, no line in error', async () => {
    for (const format of ['csv', 'jsonl'] as const) {
      const file = await exported(p1, { format });
      const ids: unknown[] = [];
      for await (const record of readImportFile(Readable.from([Buffer.from(file)]), format)) {
        expect(record.errors).toEqual([]);
        ids.push(record.candidate?.id);
      }
      expect(ids).toHaveLength(2_600 + AWKWARD_TEXTS.length + 7);
      expect(ids).toContain(`awk-5-=SUM(A1:A9)`);
      expect(ids).toContain('awk-3-line\nbreak');
    }
  });

  it('refuses a bad request before any byte, naming the field', async () => {
    const reply = await open(p1, { status: 'maybe' as never, format: 'xml' as never, from: 'yesterday' });
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.code).toBe('VALIDATION_FAILED');
    expect(reply.error.errors?.map((e) => e.field).sort()).toEqual(['/format', '/from', '/status']);
  });

  it('reads only the context project: another project of the organization exports only its own record', async () => {
    const file = await exported(p2, { format: 'jsonl' });
    expect(
      file
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as UsageRecordView).id),
    ).toEqual(['other-project']);
  });

  /** COPYs of the export on the server (any state: a connection that ran one shows it until its next query). */
  const runningCopies = (condition = 'true') =>
    h.count(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY (SELECT event_id%'
       AND pid <> pg_backend_pid() AND ${condition}`,
    );

  it('cancels the COPY and closes its connection when the reader stops early', async () => {
    const reply = await open(p1, { format: 'jsonl' }, { credit: 1 });
    if (!reply.ok) throw new Error(reply.error.code);
    const stream: ChunkStream = reply.data;
    expect((await stream.next()).done).toBe(false);
    await stream.return();
    await eventually(async () => (await runningCopies("state <> 'idle'")) === 0, 'the COPY gone');
    // The service still exports (its pool and its concurrency count are whole).
    for (let i = 0; i < 4; i++) expect(await exported(p2, { format: 'csv' })).toContain('other-project');
  });

  it('fails the stream, never a short file, when the COPY dies after the stream started', async () => {
    // The COPY waits for a lock this test holds, so it is surely running when it is terminated.
    await h.sql.query('BEGIN');
    await h.sql.query('LOCK TABLE ingestion.usage_records IN ACCESS EXCLUSIVE MODE');
    try {
      const reply = await open(p1, { format: 'jsonl' });
      if (!reply.ok) throw new Error(reply.error.code);
      const reading = (async () => {
        for await (const chunk of reply.data) expect(chunk.length).toBeGreaterThan(0);
      })();
      await eventually(async () => (await runningCopies("state = 'active'")) === 1, 'the COPY waiting');
      await h.sql.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND query LIKE 'COPY (SELECT event_id%' AND pid <> pg_backend_pid()`,
      );
      await expect(reading).rejects.toMatchObject({ reply: { code: 'SERVICE_UNAVAILABLE' } });
    } finally {
      await h.sql.query('ROLLBACK');
    }
    expect(await exported(p2, { format: 'csv' })).toContain('other-project');
  });
});
