import { ingestionStreams, type TraceSettingsChangedData } from '@llmlab/contracts';
import type { EventStore } from '@llmlab/event-store';
import { EVENT_STORE } from '@llmlab/service-kit';
import { TraceSettingsCache } from '../src/trace-settings/trace-settings.cache';
import { SpanContentStore } from '../src/traces/span-content.store';
import { SpanRecordingHandler } from '../src/traces/span-recording.handler';
import { IngestionHarness } from './ingestion.harness';
import { span, spanBatch, traceId } from './span.fixtures';
import { newTenant, type Tenant } from './usage.fixtures';

const PROMPT = 'my secret prompt about Alice Example';
const COMPLETION = 'the completion mentioning Alice Example';

// Content capture on real PostgreSQL: nothing kept while off; sealed, readable, erasable and purged while on.
describe('span content capture', () => {
  let h: IngestionHarness;

  beforeAll(async () => {
    h = await IngestionHarness.start();
  }, 60_000);
  afterAll(() => h?.stop());

  const turn = async (t: Tenant, captureContent: boolean) => {
    const data: TraceSettingsChangedData = {
      organizationId: t.organizationId,
      captureContent,
      contentRetentionDays: 30,
      changedAt: new Date().toISOString(),
      changedBy: 'user:test',
    };
    await h.get<EventStore>(EVENT_STORE).appendToStream(
      ingestionStreams.traceSettings(t.organizationId),
      [
        {
          type: 'TraceSettingsChanged',
          data,
          metadata: { actor: { type: 'user', id: 'test' }, organizationId: t.organizationId, correlationId: 'content-test' },
        },
      ],
      { expectedRevision: 'any' },
    );
    h.get(TraceSettingsCache).invalidate(t.organizationId);
  };
  const record = async (t: Tenant, trace: string, userId = 'end-user-1') => {
    const s = span(trace, { userId, content: { input: PROMPT, output: COMPLETION, truncated: false } });
    await h.get(SpanRecordingHandler).record(spanBatch(t, [s]));
    return s;
  };
  const rows = (t: Tenant) =>
    h.rows<{ input_sealed: string | null; output_sealed: string | null; span_id: string }>(
      'SELECT * FROM ingestion.span_contents WHERE project_id = $1',
      [t.projectId],
    );

  it('stores nothing while capture is off (the default)', async () => {
    const t = newTenant();
    await record(t, traceId());
    expect(await rows(t)).toEqual([]);
  });

  it('stores the text sealed when on: the column bytes do not hold the plaintext, the trace read decrypts it', async () => {
    const t = newTenant();
    await turn(t, true);
    const trace = traceId();
    const s = await record(t, trace);
    await h.get(SpanRecordingHandler).record(spanBatch(t, [s])); // the same span again keeps one copy
    const stored = await rows(t);
    expect(stored).toHaveLength(1);
    const raw = JSON.stringify(stored);
    expect(raw).not.toContain('secret prompt');
    expect(raw).not.toContain(Buffer.from('secret prompt').toString('base64'));
    expect(raw).not.toContain('Alice');
    const read = await h.get(SpanContentStore).readTrace(t.projectId, trace);
    expect(read.get(s.spanId)).toEqual({ input: PROMPT, output: COMPLETION, truncated: false });
    const events = await h.rows<{ data: unknown }>(`SELECT data FROM event_store.events WHERE stream_id LIKE $1`, [`%${t.projectId}%`]);
    expect(JSON.stringify(events)).not.toContain('Alice');
  });

  it('stops storing once turned off', async () => {
    const t = newTenant();
    await turn(t, true);
    await turn(t, false);
    await record(t, traceId());
    expect(await rows(t)).toEqual([]);
  });

  it('erases by trace and by end user, only in that project', async () => {
    const t = newTenant();
    const other = newTenant();
    await turn(t, true);
    await turn(other, true);
    const a = traceId();
    await record(t, a, 'alice');
    await record(t, traceId(), 'bob');
    await record(other, a, 'alice');
    const store = h.get(SpanContentStore);
    expect(await store.eraseTrace(t.projectId, a)).toBe(1);
    expect((await store.readTrace(t.projectId, a)).size).toBe(0);
    expect(await store.eraseEndUser(t.projectId, 'bob')).toBe(1);
    expect(await rows(t)).toEqual([]);
    expect(await rows(other)).toHaveLength(1);
  });

  it('purges text past its retention', async () => {
    const t = newTenant();
    await turn(t, true);
    await record(t, traceId());
    await h.get(SpanContentStore).purgeExpired(new Date(Date.now() + 31 * 86_400_000));
    expect(await rows(t)).toEqual([]);
  });
});
