import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { ensureStreams } from '@llmlab/messaging';
import { startPlatformSession, type PlatformSession } from './session';
import { testEnv } from './test-env';

/** A batch as the gateway publishes it to `INGEST`: JetStream deduplicates it by its batch id. */
export interface PublishedBatch {
  batchId: string;
}

export interface IngestionCrashRig {
  session: PlatformSession;
  /** The value in column `n` of the first row `query` returns, as a number. */
  count(query: string, params?: unknown[]): Promise<number>;
  /**
   * Kills the ingestion process with SIGKILL while `batches` stream in and starts it again: publishes the first
   * half to `subject`, waits for `recorded()` to see some, kills, publishes the second half while the service is
   * down (JetStream keeps it), restarts, waits until `recorded()` reaches `total`, then waits 3 s more so that
   * redeliveries still on their way show up as duplicates. Resolves with how the process exited and what was
   * recorded at the kill, for the spec to check.
   */
  killMidStream(options: {
    subject: string;
    batches: readonly PublishedBatch[];
    recorded: () => Promise<number>;
    total: number;
    /** What `recorded()` counts ("records", "spans"), for the timeout messages. */
    what: string;
  }): Promise<{ signal: NodeJS.Signals | null; atKill: number }>;
  stop(): Promise<void>;
}

/**
 * The real ingestion process alone, on a database and NATS prefix of its own, with a short ack wait (2 s), so what
 * the killed process had fetched comes back quickly, and a JetStream client to publish to `INGEST` as the gateway does.
 */
export async function startIngestionCrashRig(): Promise<IngestionCrashRig> {
  const session = await startPlatformSession({ services: ['ingestion'], env: { CONSUMER_ACK_WAIT_MS: '2000' } });
  const { platform, pool } = session;
  const nc = await connect({ servers: testEnv.natsUrl });
  const topology = await ensureStreams(await jetstreamManager(nc), { prefix: platform.natsPrefix });
  const js = jetstream(nc);

  const publish = async (subject: string, batches: readonly PublishedBatch[]) => {
    await Promise.all(batches.map((b) => js.publish(topology.subject(subject), JSON.stringify(b), { msgID: b.batchId })));
  };
  const until = async (check: () => Promise<boolean>, what: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; service log:\n${platform.logs('ingestion')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  return {
    session,
    async count(query, params = []) {
      return Number((await pool.query<{ n: string }>(query, params)).rows[0].n);
    },
    async killMidStream({ subject, batches, recorded, total, what }) {
      const half = Math.floor(batches.length / 2);
      await publish(subject, batches.slice(0, half));
      await until(async () => (await recorded()) > 0, `the first ${what}`, 60_000);
      const exit = await platform.stopService('ingestion', 'SIGKILL');
      const atKill = await recorded();
      await publish(subject, batches.slice(half));
      await platform.startService('ingestion');
      await until(async () => (await recorded()) === total, `${total} ${what} (had ${atKill} at the kill)`, 120_000);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      return { signal: exit.signal, atKill };
    },
    async stop() {
      await nc.close();
      await session.stop();
    },
  };
}
