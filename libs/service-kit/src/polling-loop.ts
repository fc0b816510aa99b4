import type { Logger } from 'pino';

export interface PollingLoopOptions {
  /** One round of work; true when it found some, so the next round starts at once. */
  round: () => Promise<boolean>;
  /** The pause after a round that found nothing or failed. */
  intervalMs: number;
  logger: Logger;
  /** Logged with the error when a round throws, e.g. 'repricing failed; retrying'. */
  failureMessage: string;
}

export interface PollingLoopHandle {
  /** Ends the pause at once and waits for the round in progress, if any; no round starts after it. */
  stop(): Promise<void>;
}

/**
 * The loop of a worker that polls a table for work (rows claimed with `FOR UPDATE SKIP LOCKED`): rounds back to back
 * while they find work, a pause of `intervalMs` once one finds none. A round that throws is logged and the loop
 * pauses as after an idle round, so a broken dependency is retried at that pace rather than in a tight loop.
 * Work that arrives as messages uses `runConsumer` from `libs/messaging` instead.
 */
export function startPollingLoop(options: PollingLoopOptions): PollingLoopHandle {
  let stopped = false;
  let wake: (() => void) | undefined;
  const pause = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.intervalMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const loop = (async () => {
    while (!stopped) {
      let worked = false;
      try {
        worked = await options.round();
      } catch (err) {
        options.logger.error({ err }, options.failureMessage);
      }
      if (!worked && !stopped) await pause();
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
