import { v5 as uuidv5 } from 'uuid';

/**
 * An id that is a function of what it stands for (an alert's rule key, a part of a batch): every process that
 * reaches the same decision names the same thing, so the event store's once-only checks (`no_stream`, idempotent
 * event ids) hold across replicas and retries. Each service derives in its own namespace, a random UUID fixed once:
 * changing it would rename everything derived before. Parts are joined with NUL, so a single part is the key as is.
 */
export function derivedId(namespace: string, ...parts: (string | number)[]): string {
  return uuidv5(parts.join('\u0000'), namespace);
}
