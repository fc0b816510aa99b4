import { jetstream } from '@nats-io/jetstream';
import type { RecordedEvent } from '@llmlab/contracts';
import { runConsumer, type ConsumerHandle } from '@llmlab/messaging';
import type { ServiceRuntime } from './runtime';

/**
 * Feeds a service's projection or reaction from `EVENTS`, the events on `subject`: in order across replicas (one
 * message in flight), acknowledged once `apply` has committed (a projection writes its checkpoint in the same
 * transaction), redelivered with backoff when it throws, dead-lettered after ten deliveries.
 */
export function runEventConsumer(
  runtime: ServiceRuntime,
  durable: string,
  subject: string,
  apply: (event: RecordedEvent) => Promise<void>,
): Promise<ConsumerHandle> {
  const topology = runtime.streams;
  return runConsumer({
    js: jetstream(runtime.nats),
    stream: topology.events.name,
    durable,
    filterSubject: topology.subject(subject),
    concurrency: 1,
    maxAckPending: 1,
    maxDeliver: 10,
    backoffMs: [200, 1_000, 5_000, 30_000],
    deadLetterSubject: topology.subject(`dlq.${durable}`),
    handler: (msg) => apply(msg.json<RecordedEvent>()),
  });
}
