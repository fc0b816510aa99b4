import type { Provider, Type } from '@nestjs/common';

/**
 * Work a service does outside request/reply: JetStream consumers, projections, schedulers. It starts once the
 * service answers requests and its event relay runs, and stops first on shutdown (in reverse order), after its
 * in-flight work, before the connections close.
 */
export interface BackgroundWorker {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export const BACKGROUND_WORKERS = Symbol('BACKGROUND_WORKERS');

/**
 * A service module's background workers, in the order they start: `providers: [..., backgroundWorkers(A, B)]`.
 * Each is an ordinary provider of the module too.
 */
export function backgroundWorkers(...workers: Type<BackgroundWorker>[]): Provider {
  return { provide: BACKGROUND_WORKERS, inject: workers, useFactory: (...instances: BackgroundWorker[]) => instances };
}
