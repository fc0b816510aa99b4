import {
  INGEST_USAGE_DEAD_LETTER_SUBJECT,
  ingestionSubjects,
  ingestionStreams,
  isStorableText,
  usageSeenKey,
  type UsageRecordedData,
} from '@llmlab/contracts';
import { DeadLetterHeaders } from '@llmlab/messaging';
import { jetstreamManager } from '@nats-io/jetstream';
import { UsageMaintenance } from '../src/usage/usage-maintenance';
import { UsageLedgerKeys } from '../src/usage/usage-ledger-keys';
import { openUsageRecords } from '@llmlab/crypto';
import { UsageRecordingHandler } from '../src/usage/usage-recording.handler';
import { IngestionHarness } from './ingestion.harness';
import { newTenant, usageBatch, type Tenant } from './usage.fixtures';
import { usageEvent } from '@llmlab/testing';

// The path from the ingest stream to the read models, on real PostgreSQL and NATS JetStream, with batches
// published the way the gateway publishes them.
describe('usage ingestion', () => {
  let h: IngestionHarness;

  beforeAll(async () => {
    // Two deliveries: a batch that breaks the contract reaches the dead-letter subject within a second.
    h = await IngestionHarness.start({ env: { INGEST_MAX_DELIVER: '2' } });
  }, 60_000);
  afterAll(() => h?.stop());

  const records = (t: Tenant) => h.count('SELECT count(*) AS n FROM ingestion.usage_records WHERE project_id = $1', [t.projectId]);
  const rolledUp = async (t: Tenant) => ({
    hourly: await h.count('SELECT coalesce(sum(requests), 0) AS n FROM ingestion.usage_rollups_hourly WHERE project_id = $1', [
      t.projectId,
    ]),
    daily: await h.count('SELECT coalesce(sum(requests), 0) AS n FROM ingestion.usage_rollups_daily WHERE project_id = $1', [t.projectId]),
    users: await h.count('SELECT coalesce(sum(requests), 0) AS n FROM ingestion.usage_rollups_daily_users WHERE project_id = $1', [
      t.projectId,
    ]),
  });
  const ledger = (t: Tenant) => h.runtime.eventStore.readStream(ingestionStreams.usage(t.projectId));

  it('records an accepted batch in the ledger and the read models', async () => {
    const tenant = newTenant();
    const events = [
      usageEvent({ userId: 'user-1', tags: { feature: 'search' }, promptPrefix: { hash: 'f'.repeat(64), tokens: 2400, tools: 2 } }),
      usageEvent({ status: 'error', errorType: 'RateLimitError', usage: { inputTokens: 10, outputTokens: 0 } }),
    ];
    const batch = usageBatch(tenant, events, { correlationId: 'req-123' });
    const ack = await h.publish(batch);
    expect(ack.duplicate).toBe(false);
    await h.until(async () => (await records(tenant)) === 2, 'the records');

    const [recorded] = await ledger(tenant);
    expect(recorded).toMatchObject({
      type: 'UsageRecorded',
      data: { batchId: batch.batchId, part: 0, parts: 1, organizationId: tenant.organizationId, apiKeyId: tenant.apiKeyId },
      metadata: {
        actor: { type: 'api_key', id: tenant.apiKeyId },
        organizationId: tenant.organizationId,
        projectId: tenant.projectId,
        correlationId: 'req-123',
        causationId: batch.batchId,
      },
    });
    // The records are sealed under the project-month's key: nothing of them reads in the event as stored.
    const data = recorded.data as UsageRecordedData;
    expect(data.records).toEqual([]);
    expect(data.sealed?.map((g) => [g.month, g.count])).toEqual([[batch.events[0].timestamp.slice(0, 7), 2]]);
    expect(JSON.stringify(data)).not.toContain(batch.events[0].id);
    const opened = (await openUsageRecords(data, h.get(UsageLedgerKeys))).records;
    expect(opened.map((r) => r.cost.status)).toEqual(['priced', 'priced']);
    // The prompt-prefix fingerprint is kept in the ledger, for the recommendations service's own read model.
    expect(opened.map((r) => r.promptPrefix)).toEqual([{ hash: 'f'.repeat(64), tokens: 2400, tools: 2 }, undefined]);
    expect(await rolledUp(tenant)).toEqual({ hourly: 2, daily: 2, users: 2 });

    const now = new Date();
    const summary = await h.request(
      ingestionSubjects.costSummary,
      { from: new Date(now.getTime() - 3_600_000).toISOString(), to: now.toISOString() },
      { organizationId: tenant.organizationId, projectId: tenant.projectId },
    );
    expect(summary.current).toMatchObject({ requests: 2, errors: 1, unpriced: 0, tokens: { input: 1010, output: 200, total: 1210 } });
    // gpt-4o-mini: $0.15 input and $0.60 output per million tokens.
    expect(summary.current.cost).toEqual({ amount: '0.000271500000', currency: 'USD' });
  });

  it('counts an event id sent twice once, though the ledger keeps both copies', async () => {
    const tenant = newTenant();
    const event = usageEvent();
    await h.publish(usageBatch(tenant, [event]));
    await h.publish(usageBatch(tenant, [event, usageEvent()]));
    await h.until(async () => (await ledger(tenant)).length === 2, 'both ledger events');
    await h.settled();
    expect(await records(tenant)).toBe(2);
    expect(await rolledUp(tenant)).toEqual({ hourly: 2, daily: 2, users: 2 });
  });

  it('takes ten parallel resends of one batch once: JetStream drops the copies, the ledger has one event', async () => {
    const tenant = newTenant();
    const batch = usageBatch(tenant, [usageEvent(), usageEvent(), usageEvent()]);
    const acks = await Promise.all(Array.from({ length: 10 }, () => h.publish(batch)));
    expect(acks.filter((a) => !a.duplicate)).toHaveLength(1);
    await h.until(async () => (await records(tenant)) === 3, 'the records');
    await h.settled();
    expect(await ledger(tenant)).toHaveLength(1);
    expect(await rolledUp(tenant)).toEqual({ hourly: 3, daily: 3, users: 3 });
  });

  it('counts ten parallel resends under new batch ids once (a client retrying after a lost 202)', async () => {
    const tenant = newTenant();
    const events = Array.from({ length: 20 }, () => usageEvent());
    await Promise.all(Array.from({ length: 10 }, () => h.publish(usageBatch(tenant, events))));
    await h.until(async () => (await ledger(tenant)).length === 10, 'ten ledger events');
    await h.settled();
    expect(await records(tenant)).toBe(20);
    expect(await rolledUp(tenant)).toEqual({ hourly: 20, daily: 20, users: 20 });
    expect(await h.count('SELECT count(*) AS n FROM ingestion.usage_event_claims WHERE project_id = $1', [tenant.projectId])).toBe(20);
  });

  it('keeps the first copy of an id whose body changed', async () => {
    const tenant = newTenant();
    const first = usageEvent({ model: 'gpt-4o-mini', usage: { inputTokens: 100, outputTokens: 10 } });
    await h.publish(usageBatch(tenant, [first]));
    await h.until(async () => (await records(tenant)) === 1, 'the first copy');
    const changed = { ...first, model: 'gpt-4o', usage: { inputTokens: 999_999, outputTokens: 999 }, timestamp: new Date().toISOString() };
    await h.publish(usageBatch(tenant, [changed]));
    await h.until(async () => (await ledger(tenant)).length === 2, 'the second copy in the ledger');
    await h.settled();
    const { rows } = await h.sql.query('SELECT model, input_tokens::int FROM ingestion.usage_records WHERE project_id = $1', [
      tenant.projectId,
    ]);
    expect(rows).toEqual([{ model: 'gpt-4o-mini', input_tokens: 100 }]);
    expect(await rolledUp(tenant)).toEqual({ hourly: 1, daily: 1, users: 1 });
  });

  it('counts an id repeated inside one batch once', async () => {
    const tenant = newTenant();
    const event = usageEvent();
    await h.publish(usageBatch(tenant, [event, { ...event, model: 'gpt-4o' }, usageEvent()]));
    await h.until(async () => (await ledger(tenant)).length === 1, 'the ledger event');
    await h.settled();
    expect(await records(tenant)).toBe(2);
  });

  it('appends nothing when a batch is delivered again after its append (a crash before the ack)', async () => {
    const tenant = newTenant();
    const batch = usageBatch(tenant, [usageEvent(), usageEvent()]);
    const message = () => JSON.parse(JSON.stringify(batch)) as unknown;
    await h.get(UsageRecordingHandler).record(message());
    await h.get(UsageRecordingHandler).record(message());
    expect(await ledger(tenant)).toHaveLength(1);
  });

  it('splits a large batch into parts that each stay far below a NATS message', async () => {
    const tenant = newTenant();
    // About 1 MiB, the most an HTTP batch may be.
    const metadata = { note: 'x'.repeat(760) };
    const batch = usageBatch(
      tenant,
      Array.from({ length: 1000 }, () => usageEvent({ metadata })),
    );
    expect(Buffer.byteLength(JSON.stringify(batch))).toBeGreaterThan(900 * 1024);
    await h.publish(batch);
    await h.until(async () => (await records(tenant)) === 1000, 'a thousand records');
    const parts = await ledger(tenant);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(Buffer.byteLength(JSON.stringify(part))).toBeLessThan(512 * 1024);
  });

  it('forgets event and span claims older than the dedup window, and keeps months partitioned ahead', async () => {
    const tenant = newTenant();
    await h.sql.query(
      `INSERT INTO ingestion.usage_event_claims (project_id, event_id, occurred_at, claimed_at)
       VALUES ($1, 'old', now() - interval '41 days', now() - interval '41 days'), ($1, 'recent', now(), now() - interval '39 days')`,
      [tenant.projectId],
    );
    expect(await h.get(UsageMaintenance).pruneClaims(new Date())).toBeGreaterThanOrEqual(1);
    const { rows } = await h.sql.query('SELECT event_id FROM ingestion.usage_event_claims WHERE project_id = $1', [tenant.projectId]);
    expect(rows).toEqual([{ event_id: 'recent' }]);
    await h.sql.query(
      `INSERT INTO ingestion.usage_span_claims (project_id, trace_id, span_id, event_id, occurred_at, claimed_at)
       VALUES ($1, 't', 'old', 'a', now(), now() - interval '41 days'), ($1, 't', 'recent', 'b', now(), now() - interval '39 days')`,
      [tenant.projectId],
    );
    expect(await h.get(UsageMaintenance).pruneClaims(new Date())).toBeGreaterThanOrEqual(1);
    const spans = await h.sql.query('SELECT span_id FROM ingestion.usage_span_claims WHERE project_id = $1', [tenant.projectId]);
    expect(spans.rows).toEqual([{ span_id: 'recent' }]);

    const inTwoMonths = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() + 2, 1));
    const partition = `usage_records_${inTwoMonths.toISOString().slice(0, 7).replace('-', '_')}`;
    expect(await h.count(`SELECT count(*) AS n FROM pg_class WHERE relname = $1`, [partition])).toBe(1);
  });

  it('puts an event of a month nobody created into its own partition', async () => {
    const tenant = newTenant();
    const event = usageEvent({ timestamp: '2025-02-10T08:00:00.000Z' });
    await h.publish(usageBatch(tenant, [event], { receivedAt: '2025-02-10T08:00:01.000Z' }));
    await h.until(async () => (await records(tenant)) === 1, 'the record');
    const { rows } = await h.sql.query('SELECT tableoid::regclass::text AS partition FROM ingestion.usage_records WHERE project_id = $1', [
      tenant.projectId,
    ]);
    expect(rows).toEqual([{ partition: 'ingestion.usage_records_2025_02' }]);
  });

  it('dead-letters a message that breaks the contract, and goes on with the next ones', async () => {
    const tenant = newTenant();
    const broken = usageBatch(tenant, [usageEvent({ model: '' })]);
    await h.publish(broken);
    const good = usageBatch(tenant, [usageEvent()]);
    await h.publish(good);
    await h.until(async () => (await records(tenant)) === 1, 'the good batch');

    const jsm = await jetstreamManager(h.runtime.nats);
    const subject = h.topology.subject('dlq.ingestion-usage');
    let dead: Awaited<ReturnType<typeof jsm.streams.getMessage>> = null;
    await h.until(async () => {
      dead = await jsm.streams.getMessage(h.topology.deadLetter.name, { last_by_subj: subject }).catch(() => null);
      return dead !== null;
    }, 'the dead letter');
    expect(dead!.json<{ batchId: string }>().batchId).toBe(broken.batchId);
    expect(dead!.header.get(DeadLetterHeaders.Error)).toMatch(/^\/events\/0\/model: /);
    expect(await ledger(tenant)).toHaveLength(1);
  });

  it('stores the good events of a batch with a poison one, dead-letters the poison alone and forgets its dedup hint', async () => {
    // Published straight on the ingest subject, as if the gateway had let it through.
    const tenant = newTenant();
    const [before, after] = [usageEvent(), usageEvent()];
    const poison = usageEvent({ metadata: { note: 'nul \u0000 here', ok: 'fine' } });
    const lone = usageEvent({ tags: { app: 'half \ud83d emoji' } });
    const batch = usageBatch(tenant, [before, poison, lone, after]);
    const hint = (id: string) => usageSeenKey(h.prefix, tenant.projectId, id);
    for (const e of [before, poison, lone, after]) await h.runtime.redis.set(hint(e.id), 'acked');

    await h.publish(batch);
    await h.until(async () => (await records(tenant)) === 2, 'the good events');
    const jsm = await jetstreamManager(h.runtime.nats);
    const subject = h.topology.subject(INGEST_USAGE_DEAD_LETTER_SUBJECT);
    const dead: { index: number; event: { id: string }; errors: { field: string }[] }[] = [];
    await h.until(async () => {
      dead.length = 0;
      const info = await jsm.streams.info(h.topology.deadLetter.name, { subjects_filter: subject });
      const seqs: number[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq += 1) seqs.push(seq);
      for (const seq of seqs) {
        const m = await jsm.streams.getMessage(h.topology.deadLetter.name, { seq }).catch(() => null);
        if (m && m.subject === subject && m.json<{ batchId: string }>().batchId === batch.batchId) dead.push(m.json());
      }
      return dead.length === 2;
    }, 'the two dead letters');
    expect(dead.map((d) => [d.index, d.event.id, d.errors.map((e) => e.field)])).toEqual([
      [1, poison.id, ['/events/1/metadata/note']],
      [2, lone.id, ['/events/2/tags/app']],
    ]);
    const { rows } = await h.sql.query<{ event_id: string }>(
      'SELECT event_id FROM ingestion.usage_records WHERE project_id = $1 ORDER BY event_id',
      [tenant.projectId],
    );
    expect(rows.map((r) => r.event_id).sort()).toEqual([before.id, after.id].sort());
    // The gateway would call a corrected resend of the poison events new, and the good ones still duplicates.
    expect(await h.runtime.redis.exists(hint(poison.id), hint(lone.id))).toBe(0);
    expect(await h.runtime.redis.exists(hint(before.id), hint(after.id))).toBe(2);

    // The corrected resend is stored.
    await h.publish(usageBatch(tenant, [{ ...poison, metadata: { note: 'fixed' } }]));
    await h.until(async () => (await records(tenant)) === 3, 'the corrected resend');
  });

  it('refuses exactly the strings PostgreSQL cannot store', async () => {
    const samples = [
      'plain',
      'é',
      '\u{1F600}',
      '\u0000',
      'a\u0000b',
      '\ud83d',
      '\ude00',
      'x\ud83dy',
      '\ude00\ud83d',
      '\u0001',
      '\uffff',
      '\ufffe',
    ];
    for (const text of samples) {
      const stored = await h.sql.query('SELECT $1::jsonb', [JSON.stringify({ [text]: text })]).then(
        () => true,
        () => false,
      );
      expect({ text: JSON.stringify(text), storable: isStorableText(text) }).toEqual({ text: JSON.stringify(text), storable: stored });
    }
  });
});
