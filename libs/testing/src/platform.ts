import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { DOMAIN_SERVICES, type ServiceName } from '@llmlab/contracts';
import { nodeEntry } from './node-entry';
import { Mailbox } from './mailbox';
import { recordedPersonalData, scanForPersonalData, type PersonalDataFinding } from './personal-data';
import { deleteRedisKeys } from './redis-keys';
import { testEnv, uniqueSuffix } from './test-env';

const ROOT = join(__dirname, '..', '..', '..');

/**
 * How long a service may take to answer /health when the whole platform starts: every service compiles its
 * TypeScript at start, all at once, so a loaded 2-core machine needs far more than one service alone.
 */
const START_TIMEOUT_MS = Number(process.env.TEST_SERVICE_START_TIMEOUT_MS ?? 180_000);

/**
 * The ports this process hands out: a band of its own below the kernel's ephemeral range (32768 and up), one band per
 * Jest worker, so two workers never hand out the same port and no outgoing connection is given one of them before its
 * service binds it. Where in its band a process starts is random, so two runs side by side rarely meet either.
 */
const PORT_BAND = 600;
const portBandStart = 20_000 + (Number(process.env.JEST_WORKER_ID ?? 0) % 20) * PORT_BAND;
let portOffset = Math.floor(Math.random() * PORT_BAND);

const listensNowhere = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** A port nothing listens on, from this process's band, each handed out once per round of the band. */
export async function freePort(): Promise<number> {
  for (let tried = 0; tried < PORT_BAND; tried++) {
    const port = portBandStart + (portOffset++ % PORT_BAND);
    if (await listensNowhere(port)) return port;
  }
  throw new Error(`no free port in ${portBandStart}–${portBandStart + PORT_BAND - 1}`);
}

export interface PlatformOptions {
  /** A migrated database (createTestDatabase()). */
  databaseUrl: string;
  /** Which services to boot; all eight by default. */
  services?: ServiceName[];
  /** Extra environment for every service. */
  env?: Record<string, string>;
  /** Extra environment for one service, over `env` (its own NATS_URL through a TcpLink a test cuts, say). */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** The NATS server the services use (a fault test's own); the machine's by default. */
  natsUrl?: string;
  /**
   * Scan for the personal data the test sent (recordedPersonalData) at stop(), and fail if any is found in clear;
   * true by default. Only a test that plants personal data on purpose turns it off.
   */
  personalDataScan?: boolean;
}

interface Running {
  child: ChildProcess;
  output: string[];
  log: WriteStream;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The platform booted for an end-to-end test: each service a separate process run from its TypeScript source,
 * on a NATS prefix and database of its own, so tests never see another run's traffic. Its mail goes to a real
 * local SMTP server, `mailbox`, where tests read the links (verification, invitations).
 */
export class TestPlatform {
  readonly natsPrefix = `t${uniqueSuffix(4)}`;
  readonly ports = new Map<ServiceName, number>();
  /** The gateway's internal listener (/metrics, detailed readiness): a free port of its own, never the default. */
  private internalPort?: number;
  /** The proxy's data path (`/proxy/*`): a port of its own beside its HTTP port (health, metrics). */
  private proxyPort?: number;
  /** Every service's whole output (stdout and stderr), one file per service, scanned for personal data at stop(). */
  readonly logDir = join(tmpdir(), `llmlab-platform-${this.natsPrefix}`);
  /** The proxy's spool, beside the logs (whose personal-data scan reads files only), removed at stop. */
  readonly proxySpoolDir = join(tmpdir(), `llmlab-proxy-spool-${this.natsPrefix}`);
  private readonly running = new Map<ServiceName, Running>();
  private readonly tamperedOnPurpose = new Set<number>();

  private constructor(
    private readonly options: PlatformOptions,
    readonly mailbox: Mailbox,
  ) {}

  static async start(options: PlatformOptions): Promise<TestPlatform> {
    const platform = new TestPlatform(options, await Mailbox.start());
    const services = options.services ?? (['gateway', ...DOMAIN_SERVICES] as ServiceName[]);
    for (const s of services) platform.ports.set(s, await freePort());
    if (services.includes('gateway')) platform.internalPort = await freePort();
    if (services.includes('proxy')) platform.proxyPort = await freePort();
    const started = await Promise.allSettled(services.map((s) => platform.startService(s, START_TIMEOUT_MS)));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      // Left running, the others would keep Jest alive after the failure.
      await platform.stop();
      throw failed.reason;
    }
    return platform;
  }

  get natsUrl(): string {
    return this.options.natsUrl ?? testEnv.natsUrl;
  }

  get gatewayUrl(): string {
    return `http://127.0.0.1:${this.ports.get('gateway')}`;
  }

  /** The gateway's internal listener: /metrics and the detailed, uncached /health/ready. */
  get gatewayInternalUrl(): string {
    return `http://127.0.0.1:${this.internalPort}`;
  }

  /** A service's HTTP port: its /health, /health/ready and /metrics. */
  serviceUrl(service: ServiceName): string {
    return `http://127.0.0.1:${this.ports.get(service)}`;
  }

  /** The proxy's data path, where its clients call `/proxy/openai/v1/*` and `/proxy/anthropic/*` directly. */
  get proxyUrl(): string {
    return `http://127.0.0.1:${this.proxyPort}`;
  }

  /** Starts one service and resolves when its own /health answers (its readiness is the test's business). */
  async startService(service: ServiceName, timeoutMs = 60_000): Promise<void> {
    const port = this.ports.get(service) ?? (await freePort());
    this.ports.set(service, port);
    if (service === 'gateway') this.internalPort ??= await freePort();
    if (service === 'proxy') this.proxyPort ??= await freePort();
    // SERVICE_NODE_ARGS: extra Node flags for the services (a benchmark's `--cpu-prof --cpu-prof-dir=…`, which
    // NODE_OPTIONS does not allow).
    const nodeArgs = (process.env.SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, ...nodeEntry(join(ROOT, 'services', service, 'src', 'main.ts'))], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
        DATABASE_URL: this.options.databaseUrl,
        NATS_URL: this.natsUrl,
        REDIS_URL: testEnv.redisUrl,
        NATS_PREFIX: this.natsPrefix,
        MIGRATE_ON_START: 'false',
        SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
        PORT: String(port),
        HTTP_PORT: String(port),
        SMTP_URL: this.mailbox.url,
        // Signed tree heads within a second, so proofs of what a test just did are available.
        AUDIT_SIGN_INTERVAL_MS: '500',
        AUDIT_TREE_POLL_MS: '200',
        AUDIT_FULL_VERIFICATION_INTERVAL_MS: '5000',
        ...(service === 'gateway' ? { INTERNAL_PORT: String(this.internalPort), INTERNAL_HOST: '127.0.0.1' } : {}),
        // The gateway's `/proxy/*` reaches this platform's proxy; each proxy spools into a directory of its own.
        ...(service === 'gateway' && this.proxyPort !== undefined ? { PROXY_URL: this.proxyUrl } : {}),
        ...(service === 'proxy' ? { PROXY_PORT: String(this.proxyPort), PROXY_SPOOL_DIR: this.proxySpoolDir } : {}),
        ...this.options.env,
        ...this.options.serviceEnv?.[service],
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    mkdirSync(this.logDir, { recursive: true });
    const log = createWriteStream(join(this.logDir, `${service}.log`), { flags: 'a' });
    const keep = (chunk: Buffer) => {
      log.write(chunk);
      output.push(chunk.toString());
      if (output.length > 200) output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    this.running.set(service, { child, output, log, exit });

    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${service} exited with ${child.exitCode}:\n${output.join('')}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/health`);
        // A domain service names itself; the gateway does not. Another process on the port is a failure, not a start.
        if (res.ok) {
          const answered = ((await res.json()) as { service?: string }).service;
          if (answered === (service === 'gateway' ? undefined : service)) return;
          throw new Error(`port ${port} of ${service} is answered by ${answered ?? 'the gateway'}`);
        }
      } catch (err) {
        if (err instanceof Error && err.message.startsWith(`port ${port} `)) throw err;
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${service} did not answer /health within ${timeoutMs} ms:\n${output.join('')}`);
  }

  /** Sends a signal to one service and resolves with how it exited. */
  async stopService(service: ServiceName, signal: NodeJS.Signals = 'SIGTERM') {
    const r = this.running.get(service);
    if (!r) throw new Error(`${service} is not running`);
    r.child.kill(signal);
    // A frozen process (signalService SIGSTOP) acts on no signal but SIGKILL until it is thawed.
    if (signal !== 'SIGKILL') r.child.kill('SIGCONT');
    const result = await r.exit;
    await new Promise<void>((resolve) => r.log.end(resolve));
    this.running.delete(service);
    return result;
  }

  /**
   * Sends a signal to one service without waiting for it to exit: SIGSTOP and SIGCONT freeze and thaw it (a process
   * that stops being scheduled, as under a long GC pause or a starved VM).
   */
  signalService(service: ServiceName, signal: NodeJS.Signals): void {
    const r = this.running.get(service);
    if (!r) throw new Error(`${service} is not running`);
    r.child.kill(signal);
  }

  logs(service: ServiceName): string {
    return this.running.get(service)?.output.join('') ?? '';
  }

  /** Waits until the gateway's detailed readiness (internal listener, uncached) answers the given status; returns its body. */
  async waitForReadiness(status: 200 | 503, timeoutMs = 30_000): Promise<{ status: string; down: string[] }> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`${this.gatewayInternalUrl}/health/ready`);
        last = await res.json();
        if (res.status === status) return last as { status: string; down: string[] };
      } catch (err) {
        last = err;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`readiness never answered ${status}; last: ${JSON.stringify(last)}`);
  }

  /**
   * Looks for the values (by default every one recorded by this process: recordPersonalData) in clear in this
   * platform's database, its JetStream streams, its Redis keys and its services' logs. stop() runs it after the
   * services stopped; a test may run it while they run, to check a moment of its own (after an erasure, say).
   */
  scanForPersonalData(values: string[] = recordedPersonalData()): Promise<PersonalDataFinding[]> {
    return scanForPersonalData(
      {
        databaseUrl: this.options.databaseUrl,
        natsPrefix: this.natsPrefix,
        natsUrl: this.natsUrl,
        logDir: this.logDir,
        redisPattern: `*${this.natsPrefix}*`,
      },
      values,
    );
  }

  /**
   * Stops every service, scans for the personal data the test sent (see PlatformOptions.personalDataScan), then
   * deletes this run's JetStream streams (their names end with the prefix), Redis keys (named with it) and log files.
   * A finding fails the test.
   */
  async stop(): Promise<void> {
    const audited = this.running.has('audit');
    await Promise.all([...this.running.keys()].map((s) => this.stopService(s).catch(() => undefined)));
    await this.mailbox.stop();
    const findings = this.options.personalDataScan === false ? [] : await this.scanForPersonalData();
    // Every run with the audit service checks the store's events, whatever the test did, against their hashes.
    const incidents = audited ? await this.auditIncidents() : [];
    const nc = await connect({ servers: this.natsUrl });
    try {
      const jsm = await jetstreamManager(nc);
      for await (const name of jsm.streams.names()) {
        if (name.endsWith(`_${this.natsPrefix}`)) await jsm.streams.delete(name);
      }
    } finally {
      await nc.close();
    }
    rmSync(this.proxySpoolDir, { recursive: true, force: true });
    await deleteRedisKeys(`*${this.natsPrefix}*`);
    if (findings.length)
      throw new Error(`personal data in clear (logs kept in ${this.logDir}):\n${findings.map((f) => `${f.where}: ${f.value}`).join('\n')}`);
    if (incidents.length)
      throw new Error(`the audit service found the event store inconsistent (logs kept in ${this.logDir}): ${incidents.join('; ')}`);
    rmSync(this.logDir, { recursive: true, force: true });
  }

  /**
   * A test that tampers with the event store on purpose names the position it edited: the audit service's incident
   * there is what it expects, and does not fail the run at stop(); an incident anywhere else still does.
   */
  expectAuditIncident(position: number): void {
    this.tamperedOnPurpose.add(position);
  }

  /** What the audit service's verification found wrong in this run (nothing, unless a test tampers on purpose). */
  private async auditIncidents(): Promise<string[]> {
    const sql = new Client({ connectionString: this.options.databaseUrl });
    await sql.connect();
    try {
      const { rows } = await sql.query<{ position: string; detail: string }>('SELECT position, detail FROM audit.integrity_incidents');
      return rows.filter((r) => !this.tamperedOnPurpose.has(Number(r.position))).map((r) => `event ${r.position}: ${r.detail}`);
    } finally {
      await sql.end();
    }
  }
}
