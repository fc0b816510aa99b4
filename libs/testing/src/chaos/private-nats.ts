import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { eventually } from '../eventually';
import { freePort } from '../platform';

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? 'nats-server';

/**
 * A JetStream-enabled NATS server of its own (a free port, a temporary store directory), killed with SIGKILL and
 * started again on the same port and store, as a crashed node restarts; the machine's server is never touched.
 */
export class PrivateNats {
  private child?: ChildProcess;
  readonly storeDir = mkdtempSync(join(tmpdir(), 'llmlab-chaos-nats-'));

  private constructor(readonly port: number) {}

  static async create(): Promise<PrivateNats> {
    const nats = new PrivateNats(await freePort());
    await nats.start();
    return nats;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(NATS_SERVER, ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.storeDir], { stdio: 'ignore' });
    this.child = child;
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
        const nc = await connect({ servers: this.url, maxReconnectAttempts: 0 });
        await nc.close();
        return true;
      },
      'the private NATS server',
      30_000,
    );
  }

  /** SIGKILL: JetStream recovers from its store at the next start, whatever it had not flushed is its business. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async remove(): Promise<void> {
    await this.kill();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
