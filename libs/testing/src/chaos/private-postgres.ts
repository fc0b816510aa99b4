import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../platform';

/**
 * Where PostgreSQL's server binaries are: `PG_BIN_DIR`, else `pg_config --bindir`, else the newest of Debian's
 * `/usr/lib/postgresql/<major>/bin` (Debian puts initdb and pg_ctl there, outside the PATH).
 */
export function postgresBinDir(): string {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    if (existsSync(join(dir, 'pg_ctl'))) return dir;
  } catch {
    // no pg_config on the PATH: look where Debian installs the server
  }
  const debian = '/usr/lib/postgresql';
  const majors = existsSync(debian)
    ? readdirSync(debian)
        .filter((v) => existsSync(join(debian, v, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!majors.length) throw new Error('no PostgreSQL server binaries found: set PG_BIN_DIR to the directory holding initdb and pg_ctl');
  return join(debian, majors[0], 'bin');
}

/**
 * A PostgreSQL server of its own (a fresh cluster in a temporary directory, on a free port, trust authentication,
 * its socket in its data directory), which a fault test may crash and start again; the machine's server is never
 * touched. PostgreSQL refuses to run as root, so as root its binaries run as the `postgres` user (runuser).
 */
export class PrivatePostgres {
  private constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly bin: string,
    private readonly runAs: string | undefined,
  ) {}

  static async create(): Promise<PrivatePostgres> {
    const bin = postgresBinDir();
    const root = process.getuid?.() === 0;
    const dataDir = mkdtempSync(join(tmpdir(), 'llmlab-chaos-pg-'));
    const pg = new PrivatePostgres(await freePort(), dataDir, bin, root ? 'postgres' : undefined);
    if (root) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      chownSync(dataDir, uid, gid);
    }
    pg.run('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    await pg.start();
    return pg;
  }

  get adminUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async createDatabase(name: string): Promise<string> {
    const c = new Client({ connectionString: this.adminUrl });
    await c.connect();
    try {
      await c.query(`CREATE DATABASE ${name}`);
    } finally {
      await c.end();
    }
    return this.url(name);
  }

  async start(): Promise<void> {
    // The platform's pools and the load open many connections; 200 leaves room for every service's pool.
    this.run('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      join(this.dataDir, 'server.log'),
      '-o',
      `-p ${this.port} -k ${this.dataDir} -c listen_addresses=127.0.0.1 -c max_connections=200`,
      '-w',
      '-t',
      '120',
      'start',
    ]);
  }

  /** A crash as a power cut would make it: no checkpoint, the next start replays the WAL. */
  crash(): void {
    this.run('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
  }

  /** Stops the server (if it runs) and deletes its cluster. */
  remove(): void {
    try {
      this.run('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // not running
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private run(tool: string, args: string[]): void {
    const command = this.runAs ? 'runuser' : join(this.bin, tool);
    const argv = this.runAs ? ['-u', this.runAs, '--', join(this.bin, tool), ...args] : args;
    try {
      execFileSync(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: this.dataDir });
    } catch (err) {
      const log = existsSync(join(this.dataDir, 'server.log')) ? readFileSync(join(this.dataDir, 'server.log'), 'utf8').slice(-2000) : '';
      const { stderr } = err as { stderr?: Buffer };
      throw new Error(`${tool} ${args.at(-1)} failed: ${stderr?.toString() ?? String(err)}\n${log}`, { cause: err });
    }
  }
}
