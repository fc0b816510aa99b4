import type { Subject } from '@llmlab/contracts';

/**
 * The wire name of a subject in this deployment: `NATS_PREFIX` (empty in production) lets several stacks share
 * one NATS server, e.g. a test run beside a developer's `npm start`. Handler decorators read the environment's
 * prefix at load time (set before the process starts, as it always is); the gateway passes its configured one.
 */
export function natsSubject(subject: Subject<unknown, unknown> | string, prefix = process.env.NATS_PREFIX ?? ''): string {
  const name = typeof subject === 'string' ? subject : subject.subject;
  return prefix ? `${prefix}.${name}` : name;
}
