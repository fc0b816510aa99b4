import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Decimal } from 'decimal.js';
import { Client } from 'pg';
import type { ServiceName } from '@llmlab/contracts';
import { platformUsageLedgerKeys } from '../ledger-events';
import { nodeEntry } from '../node-entry';
import { TestPlatform } from '../platform';
import { deleteRedisKeys } from '../redis-keys';
import { Agent, createSession, type TestSession } from '../session';
import { Receiver } from '../webhook-receiver';
import { account, accountingFailures, formatAccounting, type Accounting } from './accounting';
import { PrivateNats } from './private-nats';
import { PrivatePostgres } from './private-postgres';
import { UsageLoad } from './usage-load';

/** How much of each fault, and how long things last. Every field can be set from the environment (chaosOptions). */
export interface ChaosOptions {
  natsKills: number;
  postgresRestarts: number;
  gatewayKills: number;
  ingestionKills: number;
  alertsKills: number;
  /** SIGSTOP of the ingestion process (its consumer, relay and projection) for this long, then SIGCONT; 0: none. */
  freezeMs: number;
  /** How long NATS and PostgreSQL stay down before they are started again. */
  downMs: number;
  /** Load through the gateway before the first fault, to measure its rate, and between recovered faults. */
  warmupMs: number;
  settleMs: number;
  clients: number;
  batchSize: number;
  pauseMs: number;
  /** The longest a recovery (readiness, then a new 202) or the drain may take before the run fails. */
  recoveryTimeoutMs: number;
  drainTimeoutMs: number;
}

/** `npm run chaos`: every fault the issue lists, in turn. */
export const FULL_CHAOS: ChaosOptions = {
  natsKills: 5,
  postgresRestarts: 1,
  gatewayKills: 1,
  ingestionKills: 2,
  alertsKills: 1,
  freezeMs: 30_000,
  downMs: 3_000,
  warmupMs: 20_000,
  settleMs: 10_000,
  clients: 4,
  batchSize: 25,
  pauseMs: 100,
  recoveryTimeoutMs: 180_000,
  drainTimeoutMs: 240_000,
};

/** The e2e test's run: one fault of each kind, shorter pauses. */
export const SHORT_CHAOS: ChaosOptions = {
  ...FULL_CHAOS,
  natsKills: 1,
  ingestionKills: 1,
  freezeMs: 8_000,
  downMs: 1_500,
  warmupMs: 8_000,
  settleMs: 3_000,
  clients: 3,
};

/** `base` with any `CHAOS_<FIELD>` of the environment (CHAOS_NATS_KILLS=2, CHAOS_FREEZE_MS=10000...). */
export function chaosOptions(base: ChaosOptions, env: NodeJS.ProcessEnv = process.env): ChaosOptions {
  const options = { ...base };
  for (const key of Object.keys(base) as (keyof ChaosOptions)[]) {
    const name = `CHAOS_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
    const value = env[name];
    if (value === undefined) continue;
    if (!/^\d+$/.test(value)) throw new Error(`${name} must be a whole number, got ${value}`);
    options[key] = Number(value);
  }
  return options;
}

export interface ChaosReport {
  options: ChaosOptions;
  /** What was done, and when (seconds from the start of the load). */
  timeline: string[];
  accounting: Accounting;
  /** Every answer the clients got, by status. */
  answers: Record<string, number>;
  failures: string[];
  seconds: number;
}

const SERVICES: ServiceName[] = ['gateway', 'auth', 'ingestion', 'alerts'];
const THRESHOLDS = [50, 80, 100];
const WEBHOOK_PATH = '/chaos/alerts';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Everything a chaos run starts, torn down by `teardown()` whatever state the run reached (a failed boot, Ctrl-C):
 * a PostgreSQL and a NATS server of its own on free ports, the platform's gateway, auth, ingestion and alerts as
 * processes against them (Redis is the machine's, every key under the run's NATS prefix), and a local webhook
 * receiver for the budget's alerts.
 */
export class ChaosRig {
  postgres?: PrivatePostgres;
  nats?: PrivateNats;
  platform?: TestPlatform;
  receiver?: Receiver;
  databaseUrl = '';
  private tornDown = false;

  constructor(private readonly log: (line: string) => void) {}

  async boot(): Promise<void> {
    this.postgres = await PrivatePostgres.create();
    this.databaseUrl = await this.postgres.createDatabase('llmlab');
    await migrate(this.databaseUrl);
    this.nats = await PrivateNats.create();
    this.receiver = await new Receiver().start();
    this.receiver.on(WEBHOOK_PATH, { status: 204 });
    this.log(`PostgreSQL on port ${this.postgres.port}, NATS on port ${this.nats.port}; booting ${SERVICES.join(', ')}`);
    this.platform = await TestPlatform.start({
      databaseUrl: this.databaseUrl,
      natsUrl: this.nats.url,
      services: SERVICES,
      env: { MASTER_ENCRYPTION_KEY: randomBytes(32).toString('base64'), ALERTS_TRUSTED_ORIGINS: this.receiver.origin },
    });
  }

  /** What keeps the platform from being ready (nothing when it is), as recover() waits for it. */
  private notReady: string[] = [];

  /**
   * Ready when the gateway answers and, in its detailed readiness, every service this run boots reports itself ready
   * with its PostgreSQL, NATS and Redis up (the services this run does not boot are not waited for).
   */
  async ready(): Promise<boolean> {
    try {
      const res = await fetch(`${this.platform!.gatewayInternalUrl}/health/ready`, { signal: AbortSignal.timeout(5_000) });
      const body = (await res.json()) as {
        services: Record<string, { ready: boolean; error?: string }>;
        dependencies: Record<string, { up: boolean; error?: string }>;
      };
      this.notReady = [
        ...SERVICES.filter((s) => s !== 'gateway' && !body.services[s]?.ready).map(
          (s) => `${s}: ${body.services[s]?.error ?? 'not ready'}`,
        ),
        ...Object.entries(body.dependencies)
          .filter(([, d]) => !d.up)
          .map(([name, d]) => `${name}: ${d.error ?? 'down'}`),
      ];
    } catch (err) {
      this.notReady = [`gateway: ${err instanceof Error ? err.message : String(err)}`];
    }
    return this.notReady.length === 0;
  }

  /** Why the platform was not ready at the last check, with the end of each service's log. */
  diagnosis(): string {
    const logs = SERVICES.map((s) => `--- ${s}\n${this.platform?.logs(s).slice(-3_000) ?? ''}`);
    return [`not ready: ${this.notReady.join('; ')}`, ...logs].join('\n');
  }

  async teardown(): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    const attempt = async (what: string, fn: () => Promise<unknown> | unknown) => {
      try {
        await fn();
      } catch (err) {
        this.log(`teardown: ${what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    const prefix = this.platform?.natsPrefix;
    await attempt('platform', () => this.platform?.stop());
    await attempt('receiver', () => this.receiver?.stop());
    await attempt('nats', () => this.nats?.remove());
    await attempt('postgres', () => this.postgres?.remove());
    if (prefix) await attempt('redis keys', () => deleteRedisKeys(`llmlab:${prefix}:*`));
  }
}

const ROOT = join(__dirname, '..', '..', '..', '..');

/**
 * Migrates the private database with the platform's own migration entry point (the one the Kubernetes Job runs), as a
 * process of its own: node-pg-migrate is ESM-only, which Jest's CommonJS sandbox cannot load.
 */
async function migrate(databaseUrl: string): Promise<void> {
  await promisify(execFile)(process.execPath, nodeEntry(join(ROOT, 'libs', 'persistence', 'src', 'migrate.main.ts')), {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
  });
}

async function until<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * The chaos run: boots the rig, sends sustained usage through the gateway, creates a budget the run's spend will
 * cross (50, 80 and 100 %) with a webhook channel, applies the faults in turn (each followed by readiness and a new
 * 202), stops the load, lets the pipeline drain, then accounts (accounting.ts). Tears the rig down in every case.
 */
export async function runChaos(rig: ChaosRig, options: ChaosOptions, log: (line: string) => void): Promise<ChaosReport> {
  const started = Date.now();
  const timeline: string[] = [];
  let loadStart = Date.now();
  const note = (line: string) => {
    const entry = `${((Date.now() - loadStart) / 1000).toFixed(1).padStart(6)} s  ${line}`;
    timeline.push(entry);
    log(entry);
  };
  let load: UsageLoad | undefined;
  let sql: Client | undefined;
  try {
    await rig.boot();
    const platform = rig.platform!;
    await until(() => rig.ready(), 'the platform to be ready', options.recoveryTimeoutMs);
    const session = await createSession(platform.gatewayUrl, { organizationName: 'Chaos', projectName: 'chaos' });
    const org = `/v1/organizations/${session.organizationId}`;
    // Only the thresholds are counted: the forecast rule would send messages of its own on the same channel.
    await expectStatus(session.agent.patch(`${org}/alert-settings`, { rules: { forecast: { enabled: false } } }), 200, 'alert settings');
    const channel = await expectStatus(
      session.agent.post(`${org}/channels`, { type: 'webhook', name: 'chaos', config: { url: rig.receiver!.origin + WEBHOOK_PATH } }),
      201,
      'webhook channel',
    );

    load = new UsageLoad({
      gatewayUrl: platform.gatewayUrl,
      apiKey: session.apiKey.key,
      clients: options.clients,
      batchSize: options.batchSize,
      pauseMs: options.pauseMs,
    });
    loadStart = Date.now();
    load.start();
    note(`load: ${options.clients} clients, batches of ${options.batchSize}`);
    await sleep(options.warmupMs);
    const budget = await createBudget(session, load, options, Date.now() - loadStart);
    note(`budget ${budget.amount} USD, thresholds ${THRESHOLDS.join(', ')} % (channel ${channel.id})`);

    const recover = async (what: string) => {
      const since = Date.now();
      try {
        await until(() => rig.ready(), `readiness after ${what}`, options.recoveryTimeoutMs);
        await until(async () => load!.lastAck > since, `a 202 after ${what}`, options.recoveryTimeoutMs);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${rig.diagnosis()}\nanswers: ${JSON.stringify(Object.fromEntries(load!.answers))}`, {
          cause: err,
        });
      }
      note(`recovered from ${what} in ${((Date.now() - since) / 1000).toFixed(1)} s (${load!.acked.size} ids acknowledged so far)`);
      await sleep(options.settleMs);
    };
    const killAndRestart = async (service: ServiceName, n: number) => {
      const exit = await platform.stopService(service, 'SIGKILL');
      note(`kill -9 ${service} (#${n}): exited by ${exit.signal}`);
      await platform.startService(service, options.recoveryTimeoutMs);
      await recover(`kill -9 of ${service}`);
    };

    for (let i = 1; i <= options.natsKills; i++) {
      await rig.nats!.kill();
      note(`kill -9 NATS (#${i})`);
      await sleep(options.downMs);
      await rig.nats!.start();
      await recover('kill -9 of NATS');
    }
    for (let i = 1; i <= options.postgresRestarts; i++) {
      rig.postgres!.crash();
      note(`PostgreSQL immediate-mode stop (#${i})`);
      await sleep(options.downMs);
      await rig.postgres!.start();
      await recover('the PostgreSQL crash');
    }
    for (let i = 1; i <= options.gatewayKills; i++) await killAndRestart('gateway', i);
    for (let i = 1; i <= options.ingestionKills; i++) await killAndRestart('ingestion', i);
    for (let i = 1; i <= options.alertsKills; i++) await killAndRestart('alerts', i);
    if (options.freezeMs > 0) {
      platform.signalService('ingestion', 'SIGSTOP');
      note(`SIGSTOP ingestion (consumer, relay and projection) for ${options.freezeMs / 1000} s`);
      await sleep(options.freezeMs);
      platform.signalService('ingestion', 'SIGCONT');
      note('SIGCONT ingestion');
      await recover('the SIGSTOP of ingestion');
    }

    // The 100 % threshold must be crossed by usage the load sends, not left to chance. (The API key reads costs: the
    // owner's access token may have expired during a long run.)
    await until(
      async () => new Decimal((await costSummary(session)).cost.amount).gte(budget.amount),
      'the spend to reach the budget',
      options.drainTimeoutMs,
      1_000,
    ).catch((err: Error) => note(err.message));
    await load.stop();
    note(`load stopped: ${load.acked.size} ids acknowledged of ${load.sent.size} sent`);

    sql = new Client({ connectionString: rig.databaseUrl });
    await sql.connect();
    await drain(sql, session.projectId, load.acked, options.drainTimeoutMs);
    note('pipeline drained');
    await until(() => Promise.resolve(rig.receiver!.hits(WEBHOOK_PATH).length >= THRESHOLDS.length), 'the alerts', 60_000).catch(
      (err: Error) => note(err.message),
    );
    // A copy of an alert would come after the first: leave it the time to show up.
    await sleep(5_000);

    const keys = platformUsageLedgerKeys(platform.natsPrefix, rig.nats!.url);
    try {
      const user = await login(platform.gatewayUrl, session);
      const accounting = await account({
        sql,
        keys,
        projectId: session.projectId,
        organizationId: session.organizationId,
        budgetId: budget.id,
        thresholds: THRESHOLDS,
        user,
        sent: load.sent,
        acked: load.acked,
        rejected: load.rejected.size,
        webhooks: rig.receiver!.hits(WEBHOOK_PATH),
        from: new Date(started - 3_600_000),
        to: new Date(Date.now() + 3_600_000),
      });
      return {
        options,
        timeline,
        accounting,
        answers: Object.fromEntries(load.answers),
        failures: accountingFailures(accounting),
        seconds: (Date.now() - started) / 1000,
      };
    } finally {
      await keys.onApplicationShutdown();
    }
  } finally {
    await load?.stop();
    await sql?.end().catch(() => undefined);
    await rig.teardown();
  }
}

async function expectStatus(request: Promise<{ status: number; body: any }>, status: number, what: string): Promise<any> {
  const res = await request;
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function costSummary(session: TestSession): Promise<{ requests: number; cost: { amount: string } }> {
  return (await expectStatus(session.keyAgent.get(`/v1/projects/${session.projectId}/costs/summary`), 200, 'cost summary')).current;
}

/** Access tokens last 15 minutes, less than a full run: the owner signs in again for the accounting. */
async function login(gatewayUrl: string, session: TestSession): Promise<Agent> {
  const body = await expectStatus(
    new Agent(gatewayUrl).post('/v1/auth/login', { email: session.email, password: session.password }),
    200,
    'login',
  );
  return new Agent(gatewayUrl, { authorization: `Bearer ${body.accessToken}` });
}

/**
 * A budget the run will cross at 50 and 80 % during the faults and at 100 % after them: the rate measured during
 * the warm-up (events acknowledged and what they cost, from the cost API) times the planned length of the schedule,
 * discounted because faults slow the load down.
 */
async function createBudget(session: TestSession, load: UsageLoad, options: ChaosOptions, elapsedMs: number) {
  const summary = await until(
    async () => {
      const current = await costSummary(session);
      return current.requests > 0 ? current : undefined;
    },
    'the first usage to be queryable',
    options.recoveryTimeoutMs,
  );
  const costPerEvent = new Decimal(summary.cost.amount).div(summary.requests);
  const rate = load.acked.size / elapsedMs;
  const faults =
    options.natsKills +
    options.postgresRestarts +
    options.gatewayKills +
    options.ingestionKills +
    options.alertsKills +
    (options.freezeMs ? 1 : 0);
  const plannedMs = faults * (options.settleMs + 10_000) + options.freezeMs;
  const events = load.acked.size + rate * plannedMs * 0.5;
  const amount = Decimal.max(costPerEvent.mul(events), new Decimal(summary.cost.amount).mul(3))
    .toDecimalPlaces(6, Decimal.ROUND_UP)
    .toFixed();
  const body = await expectStatus(
    session.agent.post(`/v1/organizations/${session.organizationId}/budgets`, {
      name: 'chaos',
      scope: { type: 'project', projectId: session.projectId },
      period: 'monthly',
      amount: { amount, currency: 'USD' },
      thresholds: THRESHOLDS,
    }),
    201,
    'budget',
  );
  return { id: body.id as string, amount };
}

/**
 * Waits until every acknowledged id is recorded, then until neither the records nor the ledger have changed for a
 * few seconds (a late redelivery would show as a duplicate); past the timeout the accounting tells what is missing.
 */
async function drain(sql: Client, projectId: string, acked: ReadonlySet<string>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const counts = async () => {
    const { rows } = await sql.query<{ records: string; ledger: string }>(
      `SELECT (SELECT count(*) FROM ingestion.usage_records WHERE project_id = $1) AS records,
              (SELECT count(*) FROM event_store.events WHERE stream_id = $2) AS ledger`,
      [projectId, `ingestion.usage-${projectId}`],
    );
    return `${rows[0].records}/${rows[0].ledger}`;
  };
  const recordedAll = async () => {
    const { rows } = await sql.query<{ n: string }>(
      'SELECT count(DISTINCT event_id) AS n FROM ingestion.usage_records WHERE project_id = $1 AND event_id = ANY($2::text[])',
      [projectId, [...acked]],
    );
    return Number(rows[0].n) === acked.size;
  };
  while (Date.now() < deadline && !(await recordedAll())) await sleep(1_000);
  let last = await counts();
  let quietSince = Date.now();
  while (Date.now() < deadline && Date.now() - quietSince < 5_000) {
    await sleep(1_000);
    const now = await counts();
    if (now !== last) [last, quietSince] = [now, Date.now()];
  }
}

/** The report as printed by `npm run chaos` and pasted into docs/reliability.md. */
export function formatChaosReport(report: ChaosReport): string {
  return [
    `Chaos run: ${report.seconds.toFixed(0)} s, options ${JSON.stringify(report.options)}`,
    '',
    '```',
    ...report.timeline,
    '```',
    '',
    `Answers the clients got: ${Object.entries(report.answers)
      .map(([status, n]) => `${status} × ${n}`)
      .join(', ')}`,
    '',
    formatAccounting(report.accounting),
    '',
    report.failures.length
      ? `FAILED:\n${report.failures.map((f) => `- ${f}`).join('\n')}`
      : 'PASSED: lost 0, duplicated 0, totals equal, every threshold alerted once',
  ].join('\n');
}
