import type { Subject } from '@llmlab/contracts';

/**
 * The wire name of a subject in this deployment: `NATS_PREFIX` (empty in production) lets several stacks share
 * one NATS server, e.g. a test run beside a developer's `npm start`. Read at decoration time, so the variable
 * must be set before the process starts, as it always is.
 */
export function natsSubject(subject: Subject<unknown, unknown> | string): string {
  const name = typeof subject === 'string' ? subject : subject.subject;
  const prefix = process.env.NATS_PREFIX ?? '';
  return prefix ? `${prefix}.${name}` : name;
}
