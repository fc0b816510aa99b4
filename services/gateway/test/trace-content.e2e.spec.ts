import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import {
  createSession,
  eventually,
  expectProblem,
  genAiChatSpan,
  joinOrganization,
  otlpAttribute,
  otlpJson,
  recordPersonalData,
  signUp,
  startPlatformSession,
  type Agent,
  type HttpResult,
  type PlatformSession,
  type SignedUpUser,
  type TestSession,
} from '@llmlab/testing';

jest.setTimeout(180_000);

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

interface SpanView {
  spanId: string;
  content?: { input: string | null; output: string | null; truncated: boolean };
}

/** One span's prompt and completion, each a text no other test sends: found anywhere, it leaked. */
interface Sent {
  traceId: string;
  spanId: string;
  userId: string;
  input: string;
  output: string;
}

// Content capture end to end (docs/traces.md, "Content capture"): GenAI spans with prompt and completion text sent
// through the OTLP intake, the organization's capture setting (ETag, roles), the text sealed at rest and read back
// in the trace detail, erasure by trace and by end user recorded with ids only, another tenant kept out. Every text
// sent is registered for the personal-data scan, run here at chosen moments and again by stop(): it must never be
// found in clear in the database, JetStream, Redis or the logs.
describe('content capture through the platform', () => {
  let session: PlatformSession;
  let sql: Pool;
  let owner: TestSession;
  let foreign: TestSession;
  let admin: SignedUpUser;
  let member: SignedUpUser;
  let viewer: SignedUpUser;
  const texts: string[] = [];

  const settingsPath = () => `/v1/organizations/${owner.organizationId}/trace-settings`;
  const detail = (agent: Agent, projectId: string, traceId: string) => agent.get(`/v1/projects/${projectId}/traces/${traceId}`);

  /** A prompt and completion of its own for a span, registered as personal data. */
  function span(traceId: string, userId: string): Sent {
    const sent = { traceId, spanId: hex(8), userId, input: `prompt-${hex(10)}`, output: `completion-${hex(10)}` };
    texts.push(sent.input, sent.output);
    recordPersonalData(sent.input, sent.output);
    return sent;
  }

  /**
   * Exports the spans as an OTLP/JSON request with the project's key: the first of each trace as the current
   * conventions put text (gen_ai.input.messages / gen_ai.output.messages attributes), the others as the older
   * span events (gen_ai.user.message / gen_ai.choice).
   */
  async function exportSpans(key: string, spans: Sent[]): Promise<void> {
    const firsts = new Set<string>();
    const body = otlpJson(
      spans.map((s) => {
        const base = genAiChatSpan({ traceId: s.traceId, spanId: s.spanId, model: 'gpt-4o-mini', input: 12, output: 3 });
        const attributes = [...base.attributes, otlpAttribute('user.id', s.userId)];
        if (!firsts.has(s.traceId)) {
          firsts.add(s.traceId);
          return {
            ...base,
            attributes: [...attributes, otlpAttribute('gen_ai.input.messages', s.input), otlpAttribute('gen_ai.output.messages', s.output)],
          };
        }
        const time = base.endTimeUnixNano;
        return {
          ...base,
          attributes,
          events: [
            { name: 'gen_ai.user.message', timeUnixNano: time, attributes: [otlpAttribute('content', s.input)] },
            { name: 'gen_ai.choice', timeUnixNano: time, attributes: [otlpAttribute('content', s.output)] },
          ],
        };
      }),
    );
    const res = await fetch(`${session.platform.gatewayUrl}/v1/otlp/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body,
    });
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: {} });
  }

  /** The trace's spans once every one of `spanIds` is in the detail (the spans consumer and projection are async). */
  const spansOf = (agent: Agent, projectId: string, traceId: string, spanIds: string[], withContent = 0) =>
    eventually(
      async () => {
        const res = await detail(agent, projectId, traceId);
        if (res.status !== 200) return undefined;
        const spans = res.body.spans as SpanView[];
        const all = spanIds.every((id) => spans.some((s) => s.spanId === id));
        return all && spans.filter((s) => s.content).length >= withContent ? spans : undefined;
      },
      `spans ${spanIds.join(', ')} of trace ${traceId}`,
      30_000,
    );

  /** What the trace detail shows of each span's content, by span id (spans without content left out). */
  const contents = (spans: SpanView[]) => Object.fromEntries(spans.filter((s) => s.content).map((s) => [s.spanId, s.content]));

  const storedRows = async () =>
    (
      await sql.query<{ trace_id: string; span_id: string; user_id: string; input_sealed: string; output_sealed: string; days: number }>(
        `SELECT trace_id, span_id, user_id, input_sealed, output_sealed,
                round(extract(epoch FROM expires_at - captured_at) / 86400)::int AS days
           FROM ingestion.span_contents WHERE project_id = $1 ORDER BY trace_id, span_id`,
        [owner.projectId],
      )
    ).rows;

  /** The whole platform (every table, JetStream, Redis, logs) is free of the texts: the INGEST buffer included, once acked. */
  const expectNowhereInClear = (values: string[]) =>
    eventually(
      async () => ((await session.platform.scanForPersonalData(values)).length === 0 ? true : undefined),
      'no text in clear anywhere',
      15_000,
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(await session.platform.scanForPersonalData(values))}`);
    });

  const putSettings = (agent: Agent, body: unknown, ifMatch?: string): Promise<HttpResult> =>
    agent.request('PUT', settingsPath(), body, ifMatch === undefined ? {} : { 'if-match': ifMatch });

  beforeAll(async () => {
    session = await startPlatformSession({ services: ['gateway', 'auth', 'ingestion'] });
    sql = session.pool;
    const url = session.platform.gatewayUrl;
    owner = await createSession(url);
    foreign = await createSession(url);
    [admin, member, viewer] = [await signUp(url), await signUp(url), await signUp(url)];
    for (const [user, role] of [
      [admin, 'admin'],
      [member, 'member'],
      [viewer, 'viewer'],
    ] as const) {
      await joinOrganization(session.platform.mailbox, owner.agent, owner.organizationId, user, role);
    }
  }, 180_000);
  afterAll(() => session?.stop(), 60_000);

  // Shared by the tests below, in order: a trace sent before capture, the settings' revisions, the traces after.
  const before = { traceId: hex(16) } as { traceId: string; spans: Sent[] };
  const alice = `alice-${hex(4)}`;
  // The longest end-user id a span may carry (a usage event's limit): its content must stay erasable by its route.
  const bob = `bob-${hex(4)}-`.padEnd(256, 'b');
  const carol = `carol-${hex(4)}`;
  let mixed: Sent[];
  let bobOnly: Sent;
  let carols: Sent;

  it('stores no text while capture is off: the trace has no content and the text is nowhere', async () => {
    const read = await owner.agent.get(settingsPath());
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"-1"');
    expect(read.body).toEqual({ organizationId: owner.organizationId, captureContent: false, contentRetentionDays: 30, revision: -1 });

    before.spans = [span(before.traceId, alice), span(before.traceId, bob)];
    await exportSpans(owner.apiKey.key, before.spans);
    const spans = await spansOf(owner.agent, owner.projectId, before.traceId, [before.spans[0].spanId, before.spans[1].spanId]);
    expect(contents(spans)).toEqual({});
    expect(JSON.stringify(spans)).not.toContain('prompt-');
    // Gone from INGEST too: the message was acknowledged, which the consumer does after handing the content over.
    await expectNowhereInClear(texts);
    expect(await storedRows()).toEqual([]);
  });

  it('lets any member read the settings and only owners and admins change them, with If-Match; never an API key', async () => {
    expectProblem(await owner.keyAgent.get(settingsPath()), 403, 'FORBIDDEN');
    for (const user of [admin, member, viewer]) expect((await user.agent.get(settingsPath())).status).toBe(200);

    const on = { captureContent: true, contentRetentionDays: 30 };
    for (const agent of [member.agent, viewer.agent, owner.keyAgent]) expectProblem(await putSettings(agent, on, '"-1"'), 403, 'FORBIDDEN');
    expectProblem(await putSettings(owner.agent, { ...on, captureContent: 'yes' }, '"-1"'), 400, 'VALIDATION_FAILED', '/captureContent');
    expectProblem(
      await putSettings(owner.agent, { ...on, contentRetentionDays: 91 }, '"-1"'),
      400,
      'VALIDATION_FAILED',
      '/contentRetentionDays',
    );
    expectProblem(await putSettings(owner.agent, { captureContent: true }, '"-1"'), 400, 'VALIDATION_FAILED', '/contentRetentionDays');
    expectProblem(await putSettings(owner.agent, on, 'W/"x"'), 400, 'VALIDATION_FAILED', '/headers/if-match');
    // None of the refusals changed anything.
    expect((await owner.agent.get(settingsPath())).body).toMatchObject({ captureContent: false, revision: -1 });

    const turnedOn = await putSettings(owner.agent, on, '"-1"');
    expect(turnedOn.status).toBe(200);
    expect(turnedOn.headers.get('etag')).toBe('"0"');
    expect(turnedOn.body).toEqual({ organizationId: owner.organizationId, ...on, revision: 0 });
    // The admin read "-1" before the owner's change: its write must not apply.
    expectProblem(await putSettings(admin.agent, { ...on, contentRetentionDays: 7 }, '"-1"'), 409, 'CONCURRENCY_CONFLICT');
    const etag = (await admin.agent.get(settingsPath())).headers.get('etag')!;
    expect(etag).toBe('"0"');
    const shorter = await putSettings(admin.agent, { ...on, contentRetentionDays: 7 }, etag);
    expect({ status: shorter.status, etag: shorter.headers.get('etag') }).toEqual({ status: 200, etag: '"1"' });

    // Each change is on the organization's stream, by whom: the audit record.
    const { rows } = await sql.query<{ data: Record<string, unknown> }>(
      `SELECT data FROM event_store.events WHERE stream_id = $1 ORDER BY revision`,
      [`ingestion.trace-settings-${owner.organizationId}`],
    );
    expect(rows.map((r) => r.data)).toEqual([
      expect.objectContaining({ captureContent: true, contentRetentionDays: 30 }),
      expect.objectContaining({ captureContent: true, contentRetentionDays: 7 }),
    ]);
  });

  it('keeps the text of new spans sealed and shows it in the trace detail', async () => {
    const traceId = hex(16);
    mixed = [span(traceId, alice), span(traceId, bob)];
    bobOnly = span(hex(16), bob);
    carols = span(hex(16), carol);
    await exportSpans(owner.apiKey.key, [...mixed, bobOnly, carols]);

    const spans = await spansOf(owner.agent, owner.projectId, traceId, [mixed[0].spanId, mixed[1].spanId], 2);
    expect(contents(spans)).toEqual({
      // The current conventions' attributes, as sent; the older events, as their attributes.
      [mixed[0].spanId]: { input: mixed[0].input, output: mixed[0].output, truncated: false },
      [mixed[1].spanId]: {
        input: JSON.stringify({ content: mixed[1].input }),
        output: JSON.stringify({ content: mixed[1].output }),
        truncated: false,
      },
    });
    for (const s of [bobOnly, carols]) {
      expect(contents(await spansOf(owner.agent, owner.projectId, s.traceId, [s.spanId], 1))).toEqual({
        [s.spanId]: { input: s.input, output: s.output, truncated: false },
      });
    }
    // Capture is not retroactive: the trace sent while it was off has none.
    expect(contents((await detail(owner.agent, owner.projectId, before.traceId)).body.spans)).toEqual({});

    // At rest: one row per span, ciphertext only (nothing of the text in any column of any table), kept the
    // retention in force when captured (7 days, the admin's change).
    const rows = await storedRows();
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(row.days).toBe(7);
      expect(row.input_sealed).toEqual(expect.any(String));
      expect(row.output_sealed).toEqual(expect.any(String));
      for (const text of texts) expect(`${row.input_sealed}${row.output_sealed}`).not.toContain(text);
    }
    expect(rows.map((r) => r.user_id).sort()).toEqual([alice, bob, bob, carol].sort());
    // The trace detail read above decrypted them: nothing of it was kept or logged either.
    await expectNowhereInClear(texts);
  });

  it("keeps another tenant away from the content: 404 through its own project, refused on the victim's", async () => {
    const traceId = mixed[0].traceId;
    expectProblem(await detail(foreign.agent, foreign.projectId, traceId), 404, 'TRACE_NOT_FOUND');
    expectProblem(await foreign.agent.delete(`/v1/projects/${foreign.projectId}/traces/${traceId}/content`), 404, 'TRACE_NOT_FOUND');
    // Its own project has no content of that end user: nothing to erase, and the victim's stays.
    expect((await foreign.agent.delete(`/v1/projects/${foreign.projectId}/end-users/${alice}/content`)).status).toBe(204);

    const read = await detail(foreign.agent, owner.projectId, traceId);
    expect([403, 404]).toContain(read.status);
    for (const agent of [foreign.agent, foreign.keyAgent]) {
      for (const res of [
        await detail(agent, owner.projectId, traceId),
        await agent.delete(`/v1/projects/${owner.projectId}/traces/${traceId}/content`),
        await agent.delete(`/v1/projects/${owner.projectId}/end-users/${alice}/content`),
        await agent.get(settingsPath()),
        await putSettings(agent, { captureContent: false, contentRetentionDays: 1 }, '"1"'),
      ]) {
        // The same refusal as the trace detail's own.
        expect(res.status).toBe(read.status);
        for (const text of texts) expect(JSON.stringify(res.body)).not.toContain(text);
      }
    }
    expect(await storedRows()).toHaveLength(4);
    expect((await owner.agent.get(settingsPath())).body).toMatchObject({ captureContent: true, revision: 1 });
  });

  it('lets owners and admins erase by trace and by end user, recorded with ids only', async () => {
    const traceContent = `/v1/projects/${owner.projectId}/traces/${mixed[0].traceId}/content`;
    const bobContent = `/v1/projects/${owner.projectId}/end-users/${bob}/content`;
    for (const agent of [member.agent, viewer.agent, owner.keyAgent]) {
      expectProblem(await agent.delete(traceContent), 403, 'FORBIDDEN');
      expectProblem(await agent.delete(bobContent), 403, 'FORBIDDEN');
    }
    expect(await storedRows()).toHaveLength(4);
    expectProblem(await owner.agent.delete(`/v1/projects/${owner.projectId}/traces/${hex(16)}/content`), 404, 'TRACE_NOT_FOUND');
    expectProblem(await owner.agent.delete(`/v1/projects/${owner.projectId}/traces/NOT-HEX/content`), 400, 'VALIDATION_FAILED', '/traceId');
    // No span carries a longer id (the intake refuses it); the router refuses it too, as problem+json like any error.
    expectProblem(await owner.agent.delete(`/v1/projects/${owner.projectId}/end-users/${bob}b/content`), 414, 'URI_TOO_LONG', '/path');
    expectProblem(await owner.agent.delete(`/v1/projects/${owner.projectId}/end-users/%E0%A4%A/content`), 400, 'BAD_REQUEST', '/path');

    // Bob's text goes from both traces; Alice's beside it in the mixed trace stays, so does Carol's.
    expect((await admin.agent.delete(bobContent)).status).toBe(204);
    expect(contents((await detail(owner.agent, owner.projectId, mixed[0].traceId)).body.spans)).toEqual({
      [mixed[0].spanId]: { input: mixed[0].input, output: mixed[0].output, truncated: false },
    });
    expect(contents((await detail(owner.agent, owner.projectId, bobOnly.traceId)).body.spans)).toEqual({});
    expect((await storedRows()).map((r) => r.user_id).sort()).toEqual([alice, carol]);

    // The whole trace: Alice's text goes too; Carol's trace keeps its own.
    expect((await owner.agent.delete(traceContent)).status).toBe(204);
    expect(contents((await detail(owner.agent, owner.projectId, mixed[0].traceId)).body.spans)).toEqual({});
    expect(contents((await detail(owner.agent, owner.projectId, carols.traceId)).body.spans)).toEqual({
      [carols.spanId]: { input: carols.input, output: carols.output, truncated: false },
    });
    expect((await storedRows()).map((r) => [r.trace_id, r.user_id])).toEqual([[carols.traceId, carol]]);
    // Erasing again finds nothing, and says so the same way.
    expect((await owner.agent.delete(traceContent)).status).toBe(204);

    const { rows } = await sql.query<{ type: string; data: Record<string, unknown>; metadata: Record<string, unknown> }>(
      `SELECT type, data, metadata FROM event_store.events WHERE stream_id = $1 ORDER BY revision`,
      [`ingestion.trace-content-${owner.projectId}`],
    );
    const common = { organizationId: owner.organizationId, projectId: owner.projectId, erasedAt: expect.any(String) };
    // Bob is named by the keyed pseudonym his spans carry in the traces ledger, never by his id.
    const ledger = await sql.query<{ data: { spans: { traceId: string; endUser?: string }[] } }>(
      `SELECT data FROM event_store.events WHERE stream_id = $1 AND type = 'SpansRecorded'`,
      [`ingestion.traces-${owner.projectId}`],
    );
    const bobsPseudonym = ledger.rows.flatMap((r) => r.data.spans).find((s) => s.traceId === bobOnly.traceId)?.endUser;
    expect(bobsPseudonym).toMatch(/^eu_[0-9a-f]{32}$/);
    expect(rows.map((r) => [r.type, r.data])).toEqual([
      ['TraceContentErased', { ...common, endUserHash: bobsPseudonym, spans: 2, erasedBy: `user:${admin.id}` }],
      ['TraceContentErased', { ...common, traceId: mixed[0].traceId, spans: 1, erasedBy: `user:${owner.id}` }],
      ['TraceContentErased', { ...common, traceId: mixed[0].traceId, spans: 0, erasedBy: `user:${owner.id}` }],
    ]);
    // Ids and a pseudonym: neither the end user's id nor any text, in the data or the metadata.
    const recorded = JSON.stringify(rows);
    for (const value of [bob, alice, ...texts]) expect(recorded).not.toContain(value);
    await expectNowhereInClear(texts);
  });

  it('stops storing as soon as capture is turned off, and keeps what was captured', async () => {
    const etag = (await owner.agent.get(settingsPath())).headers.get('etag')!;
    const off = await putSettings(owner.agent, { captureContent: false, contentRetentionDays: 7 }, etag);
    expect(off.status).toBe(200);
    const after = span(hex(16), carol);
    await exportSpans(owner.apiKey.key, [after]);
    expect(contents(await spansOf(owner.agent, owner.projectId, after.traceId, [after.spanId]))).toEqual({});
    await expectNowhereInClear(texts);
    expect((await storedRows()).map((r) => r.span_id)).toEqual([carols.spanId]);
    expect(contents((await detail(owner.agent, owner.projectId, carols.traceId)).body.spans)).toEqual({
      [carols.spanId]: { input: carols.input, output: carols.output, truncated: false },
    });
  });
});
