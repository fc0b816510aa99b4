import type { AuthEvent, RecordedEvent } from '@llmlab/contracts';
import { applyInTransaction, runConsumer } from '@llmlab/messaging';
import type { ServiceRuntime } from '@llmlab/service-kit';
import { jetstream } from '@nats-io/jetstream';
import { CacheInvalidation } from '../access/cache-invalidation';
import { READ_MODEL_PROJECTION } from '../shared/read-your-writes';
import { applyAuthEvent } from './auth.projection';

/**
 * Feeds the auth read models from the `events.auth.>` events, strictly in order across replicas (one message in
 * flight), each applied with its checkpoint in one transaction; the identity cache entries an event made stale
 * are dropped after the commit.
 */
export async function startReadModelConsumer(runtime: ServiceRuntime): Promise<void> {
  const topology = runtime.topology!;
  const invalidation = new CacheInvalidation(runtime.redis, runtime.config.NATS_PREFIX, runtime.logger);
  const handle = await runConsumer({
    js: jetstream(runtime.nats),
    stream: topology.events.name,
    durable: 'auth-read-models',
    filterSubject: topology.subject('events.auth.>'),
    concurrency: 1,
    maxAckPending: 1,
    maxDeliver: 5,
    backoffMs: [200, 1_000, 5_000, 30_000],
    deadLetterSubject: topology.subject('dlq.auth-read-models'),
    handler: async (msg) => {
      const event = msg.json<RecordedEvent>();
      let stale: string[] = [];
      await applyInTransaction(runtime.pool, READ_MODEL_PROJECTION, event, async (tx) => {
        await applyAuthEvent(tx, event);
        stale = await invalidation.staleKeys(tx, { type: event.type, data: event.data } as AuthEvent);
      });
      await invalidation.drop(stale);
    },
  });
  runtime.onShutdown({ name: 'auth read-model consumer', stop: () => handle.stop() });
}
