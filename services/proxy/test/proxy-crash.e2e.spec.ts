import OpenAI from 'openai';
import {
  createSession,
  ledgerUsageRecords,
  platformUsageLedgerKeys,
  startPlatformSession,
  TcpLink,
  testEnv,
  type HttpResult,
  type PlatformSession,
  type TestSession,
} from '@llmlab/testing';
import { startFakeOpenAI, type FakeOpenAI } from '../../../libs/sdk/src/testing/fake-openai.server';

jest.setTimeout(180_000);

/** When a call's answer completed, relative to the faults. */
type Phase = 'ingest up' | 'ingest down' | 'after the restart';
const PHASES: readonly Phase[] = ['ingest up', 'ingest down', 'after the restart'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, what: string, timeoutMs: number, diagnosis: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${diagnosis()}`);
    await sleep(20);
  }
}

/**
 * Real `openai` clients calling the proxy without a pause, chat completions plain and streamed in turn. A call is
 * answered once the client has all of it (the JSON parsed, or the stream read to its end): its usage id is kept with
 * the phase and the time it completed in. Usage ids of calls that failed after their headers arrived are kept apart.
 */
class ProxyTraffic {
  readonly answered = new Map<string, { phase: Phase; at: number }>();
  readonly unfinished = new Set<string>();
  readonly failures = new Map<string, number>();
  /** The first message of each kind of failure. */
  readonly examples = new Map<string, string>();
  private trigger?: { phase: Phase; n: number; action: () => void };
  private running = true;
  private readonly workers: Promise<void>[];

  constructor(
    private readonly client: OpenAI,
    concurrency: number,
    public phase: Phase,
  ) {
    this.workers = Array.from({ length: concurrency }, (_, n) => this.work(n));
  }

  /** Runs `action` in the tick the `n`th call of `phase` is answered, before the proxy can do anything more. */
  when(phase: Phase, n: number, action: () => void): void {
    this.trigger = { phase, n, action };
  }

  count(phase: Phase): number {
    return [...this.answered.values()].filter((a) => a.phase === phase).length;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  private async work(n: number): Promise<void> {
    for (let i = n; this.running; i++) {
      let usageId: string | undefined;
      try {
        const messages = [{ role: 'user' as const, content: `call ${n}-${i}` }];
        if (i % 2 === 0) {
          const { data, response } = await this.client.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse();
          usageId = response.headers.get('x-llmlab-usage-id') ?? undefined;
          if (!data.choices[0]?.message.content) throw new Error('an answer without content');
        } else {
          const { data, response } = await this.client.chat.completions
            .create({ model: 'gpt-4o-mini', messages, stream: true })
            .withResponse();
          usageId = response.headers.get('x-llmlab-usage-id') ?? undefined;
          let text = '';
          for await (const chunk of data) text += chunk.choices[0]?.delta?.content ?? '';
          if (!text) throw new Error('a stream without content');
        }
        if (!usageId) throw new Error('an answer without x-llmlab-usage-id');
        this.answered.set(usageId, { phase: this.phase, at: Date.now() });
        if (this.trigger?.phase === this.phase && this.count(this.phase) === this.trigger.n) this.trigger.action();
      } catch (err) {
        if (usageId) this.unfinished.add(usageId);
        // Errors of Node's own fetch come from outside Jest's realm: not `instanceof Error` here.
        const { name, message } = err as Error;
        const kind = name ?? typeof err;
        this.failures.set(kind, (this.failures.get(kind) ?? 0) + 1);
        if (!this.examples.has(kind)) this.examples.set(kind, message ?? String(err));
        // The proxy is down or starting: no need to hammer it.
        await sleep(50);
      }
    }
  }
}

/**
 * The proxy process killed with SIGKILL while the ingest path is unreachable, accounted Jepsen-style. Real `openai`
 * clients keep calling the proxy; its link to NATS (a TcpLink: the machine's server is never stopped, and the rest of
 * the platform keeps it) is cut, and the proxy goes on answering (the caller's key from its cache, budgets allowed
 * unchecked), the usage kept in its spool on disk; the proxy is killed with SIGKILL right after an answer, in the
 * middle of the traffic; then the link is restored and the proxy started again on the same spool directory. Every
 * usage id a caller got with a completed answer, before the kill and after the restart, must be recorded exactly
 * once: none lost, none twice, in the records the gateway serves and in the ledger alike.
 */
describe('proxy: kill -9 while INGEST is unreachable', () => {
  let link: TcpLink;
  let session: PlatformSession;
  let upstream: FakeOpenAI;
  let tenant: TestSession;
  const startedAt = new Date();

  beforeAll(async () => {
    [upstream, link] = await Promise.all([startFakeOpenAI(), TcpLink.open(testEnv.natsUrl)]);
    session = await startPlatformSession({
      services: ['gateway', 'auth', 'ingestion', 'proxy'],
      env: {
        PROXY_OPENAI_BASE_URL: upstream.baseURL,
        // No alerts service: calls go through unchecked, with NATS out of reach too.
        PROXY_BUDGET_UNAVAILABLE: 'allow',
      },
      serviceEnv: {
        // The caller's key stays known to the proxy while the auth service cannot be asked.
        proxy: { NATS_URL: link.url, IDENTITY_MEMORY_CACHE_MS: '600000' },
      },
    });
    tenant = await createSession(session.platform.gatewayUrl, { apiKeyScopes: ['ingest', 'read'] });
  });

  afterAll(async () => {
    await session?.stop();
    await Promise.all([upstream?.close(), link?.cut()]);
  });

  /** Every usage id the gateway lists for the tenant's project, once per record (a record twice shows twice). */
  async function listedIds(): Promise<string[]> {
    const range = `from=${new Date(startedAt.getTime() - 3_600_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`;
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: HttpResult<{ data: { id: string }[]; nextCursor: string | null }> = await tenant.keyAgent.get(
        `/v1/projects/${tenant.projectId}/usage?${range}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      if (page.status !== 200) throw new Error(`usage answered ${page.status}: ${JSON.stringify(page.body)}`);
      ids.push(...page.body.data.map((r) => r.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    return ids;
  }

  it('records every call answered before the kill and after the restart exactly once', async () => {
    const { platform } = session;
    const client = new OpenAI({
      apiKey: 'sk-callers-own-key',
      baseURL: `${platform.proxyUrl}/proxy/openai/v1`,
      maxRetries: 0,
      timeout: 15_000,
      defaultHeaders: { 'X-LLMLab-Key': tenant.apiKey.key },
    });
    const explain = (t: ProxyTraffic) =>
      `; the clients' failures: ${JSON.stringify(Object.fromEntries(t.failures))}, e.g. ${JSON.stringify(Object.fromEntries(t.examples))}; the proxy's log:\n${platform.logs('proxy')}`;

    const traffic = new ProxyTraffic(client, 8, 'ingest up');
    let exit: Awaited<ReturnType<typeof platform.stopService>>;
    let killedAt = 0;
    // Right after an answer, other calls under way: the moment an answer's usage is least likely to be on disk yet.
    traffic.when('ingest down', 20, () => {
      killedAt = Date.now();
      platform.signalService('proxy', 'SIGKILL');
    });
    try {
      await until(
        () => traffic.count('ingest up') >= 10,
        'calls answered with INGEST up',
        30_000,
        () => explain(traffic),
      );
      await link.cut();
      traffic.phase = 'ingest down';
      // What operators watch: the spool holds batches JetStream has not acknowledged.
      await until(
        () => traffic.count('ingest down') >= 3,
        'calls answered with INGEST out of reach',
        30_000,
        () => explain(traffic),
      );
      const during = await spoolGauges(platform.serviceUrl('proxy'));
      expect(during.backlog).toBeGreaterThan(0);
      expect(during.bytes).toBeGreaterThan(0);
      await until(
        () => killedAt > 0,
        '20 calls answered with INGEST out of reach',
        60_000,
        () => explain(traffic),
      );
      exit = await platform.stopService('proxy', 'SIGKILL');
    } finally {
      await traffic.stop();
    }
    expect(exit.signal).toBe('SIGKILL');

    await link.restore();
    await platform.startService('proxy');
    const after = new ProxyTraffic(client, 2, 'after the restart');
    try {
      await until(
        () => after.answered.size >= 6,
        'calls answered after the restart',
        30_000,
        () => explain(after),
      );
    } finally {
      await after.stop();
    }

    const answered = new Map([...traffic.answered, ...after.answered]);
    const unfinished = new Set([...traffic.unfinished, ...after.unfinished]);
    // Until every answered call is listed (or the time is up: what is missing then is lost), then a little longer, so
    // that a copy sent again after the restart would show up as a duplicate.
    const deadline = Date.now() + 30_000;
    let listed = await listedIds();
    while ([...answered.keys()].some((id) => !listed.includes(id)) && Date.now() < deadline) {
      await sleep(500);
      listed = await listedIds();
    }
    await sleep(2_000);
    listed = await listedIds();
    // The restarted proxy sent what its spool held.
    expect((await spoolGauges(platform.serviceUrl('proxy'))).backlog).toBe(0);
    const keys = platformUsageLedgerKeys(platform.natsPrefix);
    const ledger = (await ledgerUsageRecords(session.pool, tenant.projectId, keys).finally(() => keys.onApplicationShutdown())).map(
      (r) => r.id,
    );

    const times = (ids: string[]) => ids.reduce((m, id) => m.set(id, (m.get(id) ?? 0) + 1), new Map<string, number>());
    const inList = times(listed);
    const inLedger = times(ledger);
    const ids = (phase?: Phase) => [...answered].filter(([, a]) => phase === undefined || a.phase === phase).map(([id]) => id);
    const lost = (of: string[]) => of.filter((id) => !inList.has(id) || !inLedger.has(id));
    const twice = (of: string[]) => of.filter((id) => (inList.get(id) ?? 0) > 1 || (inLedger.get(id) ?? 0) > 1);
    const row = (name: string, count: (of: string[]) => number) =>
      `| ${name} | ${[...PHASES.map((p) => count(ids(p))), count(ids())].join(' | ')} |`;
    const extra = [...new Set([...listed, ...ledger])].filter((id) => !answered.has(id));
    console.log(
      [
        `proxy killed with ${exit.signal} while its link to NATS was cut; answered calls and their records:`,
        '',
        `| calls | ${PHASES.join(' | ')} | total |`,
        `|---|${PHASES.map(() => '---|').join('')}---|`,
        row('answered', (of) => of.length),
        row('recorded once (API and ledger)', (of) => of.filter((id) => inList.get(id) === 1 && inLedger.get(id) === 1).length),
        row('**lost**', (of) => lost(of).length),
        row('**duplicated**', (of) => twice(of).length),
        '',
        `recorded without a completed answer (allowed): ${extra.length}, of which cut off mid-answer: ${extra.filter((id) => unfinished.has(id)).length}`,
        `failed on the client (allowed): ${[traffic, after].map((t) => JSON.stringify(Object.fromEntries(t.failures))).join(' before the kill, ')} after the restart`,
        ...[...traffic.examples, ...after.examples].map(([kind, message]) => `  ${kind}: ${message}`),
        `the last answers before the kill: ${ids('ingest down')
          .map((id) => killedAt - answered.get(id)!.at)
          .sort((a, b) => a - b)
          .slice(0, 5)
          .join(', ')} ms before it`,
        ...lost(ids()).map(
          (id) => `lost: ${id}, answered ${answered.get(id)!.phase}, ${killedAt - answered.get(id)!.at} ms before the kill`,
        ),
      ].join('\n'),
    );

    expect({ lost: lost(ids()), duplicated: twice(ids()) }).toEqual({ lost: [], duplicated: [] });
  });
});

/** The proxy's spool gauges, from its /metrics. */
async function spoolGauges(serviceUrl: string): Promise<{ backlog: number; bytes: number }> {
  const text = await (await fetch(`${serviceUrl}/metrics`)).text();
  const gauge = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
  return { backlog: gauge('llmlab_proxy_spool_backlog_batches'), bytes: gauge('llmlab_proxy_spool_bytes') };
}
