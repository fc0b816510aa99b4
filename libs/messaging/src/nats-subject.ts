import type { Subject } from '@llmlab/contracts';

/**
 * The wire name of a subject in this deployment: `NATS_PREFIX` (empty in production) lets several stacks share
 * one NATS server, e.g. a test run beside a developer's `npm start`. Callers pass the prefix from their
 * configuration; handlers get it from `PrefixedServerNats`.
 */
export function natsSubject(subject: Subject<unknown, unknown> | string, prefix: string): string {
  const name = typeof subject === 'string' ? subject : subject.subject;
  return prefix ? `${prefix}.${name}` : name;
}
