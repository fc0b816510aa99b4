import { createInterface } from 'node:readline';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { pino } from 'pino';
import { INGEST_USAGE_SUBJECT } from '@llmlab/contracts';
import { streamTopology } from '@llmlab/messaging';
import { usageEvent } from '@llmlab/testing';
import { UsageRecorder } from '../src/recording/usage-recorder';
import { UsageSpool } from '../src/recording/usage-spool';

/**
 * The recorder in a process of its own, for the kill -9 test: `node -r @swc-node/register usage-recorder.child.ts
 * <spool dir> <nats url> <prefix> <owner JSON>`. Each line `record <n>` on stdin records n events and, once all are
 * in the spool, prints `spooled <ids, comma-separated>`.
 */
async function main() {
  const [dir, url, prefix, owner] = process.argv.slice(2);
  const nats = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  const spool = await UsageSpool.open({ dir });
  const recorder = new UsageRecorder({
    spool,
    js: jetstream(nats, { timeout: 1_000 }),
    subject: streamTopology(prefix).subject(INGEST_USAGE_SUBJECT),
    maxPayload: () => nats.info?.max_payload ?? 1 << 20,
    logger: pino({ level: 'silent' }),
    publishTimeoutMs: 1_000,
    retryMaxMs: 200,
  });
  await recorder.start();
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) {
    const n = Number(/^record (\d+)$/.exec(line)?.[1]);
    const events = Array.from({ length: n }, () => usageEvent());
    await Promise.all(events.map((e) => recorder.record(e, JSON.parse(owner))));
    process.stdout.write(`spooled ${events.map((e) => e.id).join(',')}\n`);
  }
}

void main();
