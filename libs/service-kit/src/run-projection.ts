import { jetstream } from '@nats-io/jetstream';
import type { RecordedEvent } from '@llmlab/contracts';
import { runConsumer, type ConsumerHandle } from '@llmlab/messaging';
import type { ServiceRuntime } from './runtime';

/**
 * Feeds one of a service's projections from `EVENTS`, the events on `subject`: in order across replicas (one
 * message in flight), each applied with the projection's checkpoint in one transaction by `apply`.
 */
export function runProjection(
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
