import { domainServiceEnv, loadConfig, z } from '@llmlab/config';
import { createEventStore } from '@llmlab/event-store';
import { createLogger, PinoNestLogger } from '@llmlab/logging';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Logger } from '@nestjs/common';
import { ensureStreams } from '../jetstream/streams';
import { EventRelay } from './event-relay';

/**
 * The relay on its own: `node -r @swc-node/register libs/messaging/src/relay/relay.main.ts`. Services embed
 * `EventRelay` instead; this entry serves operators who want a dedicated process, and the crash tests.
 */
const relayEnv = {
  ...domainServiceEnv,
  RELAY_CHECKPOINT_EVERY: z.coerce.number().int().positive().default(500),
  RELAY_MAX_IN_FLIGHT: z.coerce.number().int().positive().default(64),
  RELAY_LOCK_RETRY_MS: z.coerce.number().int().positive().default(3_000),
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
};

async function main(): Promise<void> {
  const config = loadConfig(relayEnv);
  Logger.overrideLogger(new PinoNestLogger(createLogger({ service: 'relay', level: config.LOG_LEVEL })));
  const logger = new Logger('RelayMain');
  // Reconnect forever: the relay outlives NATS restarts, its publishes fail meanwhile and it resynchronises.
  const nc = await connect({ servers: config.NATS_URL, name: 'llmlab-relay', maxReconnectAttempts: -1 });
  const topology = await ensureStreams(await jetstreamManager(nc), {
    prefix: config.NATS_PREFIX || undefined,
    replicas: config.NATS_STREAM_REPLICAS,
  });
  const store = createEventStore({
    databaseUrl: config.DATABASE_URL,
    eventStoreConnectionString: config.EVENTSTORE_CONNECTION_STRING,
  });
  const relay = new EventRelay({
    store,
    databaseUrl: config.DATABASE_URL,
    js: jetstream(nc),
    topology,
    checkpointEvery: config.RELAY_CHECKPOINT_EVERY,
    maxInFlight: config.RELAY_MAX_IN_FLIGHT,
    lockRetryMs: config.RELAY_LOCK_RETRY_MS,
  });
  relay.start();
  logger.log(`relay for ${topology.events.name} started (pid ${process.pid})`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: stopping the relay`);
    const deadline = setTimeout(() => {
      logger.error(`relay did not stop within ${config.SHUTDOWN_TIMEOUT_MS} ms`);
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    await relay.stop();
    await store.close();
    await nc.drain();
    clearTimeout(deadline);
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
