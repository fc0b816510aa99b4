import { Writable } from 'node:stream';
import pino from 'pino';
import { startPollingLoop } from './polling-loop';

/** A real pino logger writing its JSON lines to memory. */
function memoryLogger() {
  const lines: { level: number; msg: string; err?: { message: string } }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await tick(5);
  }
}

describe('startPollingLoop', () => {
  it('runs rounds back to back while they find work, then pauses for the interval', async () => {
    const { logger } = memoryLogger();
    let rounds = 0;
    const loop = startPollingLoop({ intervalMs: 60_000, logger, failureMessage: 'failed', round: async () => ++rounds < 4 });
    try {
      await until(() => rounds === 4, 'four rounds');
      await tick(50);
      expect(rounds).toBe(4);
    } finally {
      // stop() ends the minute's pause at once.
      const started = Date.now();
      await loop.stop();
      expect(Date.now() - started).toBeLessThan(1_000);
    }
    expect(rounds).toBe(4);
  });

  it('polls again after the interval when a round found nothing', async () => {
    const { logger } = memoryLogger();
    let rounds = 0;
    const loop = startPollingLoop({ intervalMs: 20, logger, failureMessage: 'failed', round: async () => (rounds++, false) });
    try {
      await until(() => rounds >= 3, 'three idle rounds');
    } finally {
      await loop.stop();
    }
  });

  it('stop waits for the round in progress and starts no other', async () => {
    const { logger } = memoryLogger();
    const release = deferred();
    let rounds = 0;
    let finished = 0;
    const loop = startPollingLoop({
      intervalMs: 10,
      logger,
      failureMessage: 'failed',
      round: async () => {
        rounds++;
        await release.promise;
        finished++;
        return true;
      },
    });
    await until(() => rounds === 1, 'the first round').catch(async (err) => {
      release.resolve();
      await loop.stop();
      throw err;
    });
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await tick(50);
    expect(stopped).toBe(false);
    release.resolve();
    await stopping;
    expect(finished).toBe(1);
    await tick(50);
    expect(rounds).toBe(1);
  });

  it('logs a round that throws and carries on after the interval', async () => {
    const { logger, lines } = memoryLogger();
    let rounds = 0;
    const loop = startPollingLoop({
      intervalMs: 10,
      logger,
      failureMessage: 'repricing failed; retrying',
      round: async () => {
        rounds++;
        if (rounds === 1) throw new Error('database went away');
        return false;
      },
    });
    try {
      await until(() => rounds >= 3, 'the rounds after the failure');
    } finally {
      await loop.stop();
    }
    const errors = lines.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ msg: 'repricing failed; retrying', err: { message: 'database went away' } });
  });
});
