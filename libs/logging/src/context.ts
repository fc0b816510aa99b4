import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestContext } from '@llmlab/contracts';

/**
 * The request context of the work in progress (HTTP request, NATS request, consumed message). Logs read the
 * correlation id from it; handlers pass it on into NATS requests and event metadata.
 */
const storage = new AsyncLocalStorage<RequestContext>();

export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}
