import { Inject, Injectable } from '@nestjs/common';
import { jetstream } from '@nats-io/jetstream';
import type { AuthEvent, RecordedEvent } from '@llmlab/contracts';
import { applyInTransaction, runConsumer, type ConsumerHandle } from '@llmlab/messaging';
import { RUNTIME, type BackgroundWorker, type ServiceRuntime } from '@llmlab/service-kit';
import { CacheInvalidation } from '../access/cache-invalidation';
import { applyAuthEvent, AUTH_READ_MODELS } from './auth.projection';

/**
 * Feeds the auth read models from the `events.auth.>` events, strictly in order across replicas (one message in
 * flight), each applied with its checkpoint in one transaction; the identity cache entries an event made stale
 * are dropped after the commit.
 */
@Injectable()
export class ReadModelsWorker implements BackgroundWorker {
  readonly name = 'auth read-model consumer';
  private handle?: ConsumerHandle;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly invalidation: CacheInvalidation,
  ) {}

  async start(): Promise<void> {
    const topology = this.runtime.streams;
    this.handle = await runConsumer({
      js: jetstream(this.runtime.nats),
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
        await applyInTransaction(this.runtime.pool, AUTH_READ_MODELS, event, async (tx) => {
          await applyAuthEvent(tx, event);
          stale = await this.invalidation.staleKeys(tx, { type: event.type, data: event.data } as AuthEvent);
        });
        await this.invalidation.drop(stale);
      },
    });
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
  }
}
