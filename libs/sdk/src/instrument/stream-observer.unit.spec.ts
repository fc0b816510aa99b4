import { observeStream, type StreamObserver } from './stream-observer';

function recordingObserver(hide: (value: number) => boolean = () => false) {
  const calls: string[] = [];
  const observer: StreamObserver<number> = {
    item: (value) => calls.push(`item ${value}`),
    hides: hide,
    end: () => calls.push('end'),
    fail: (error) => calls.push(`fail ${(error as Error).message}`),
    abandon: () => calls.push('abandon'),
  };
  return { calls, observer };
}

async function* numbers(count: number, failAt?: number) {
  for (let i = 1; i <= count; i++) {
    if (i === failAt) throw new Error('boom');
    yield i;
  }
}

async function collect(iterable: AsyncIterable<number>): Promise<number[]> {
  const out: number[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

describe('observeStream', () => {
  it('wraps an `iterator` field, passing every item on and seeing the end', async () => {
    const stream = {
      iterator: () => numbers(3),
      [Symbol.asyncIterator]() {
        return this.iterator();
      },
    };
    const { calls, observer } = recordingObserver();
    expect(observeStream(stream, observer)).toBe(true);
    expect(await collect(stream)).toEqual([1, 2, 3]);
    expect(calls).toEqual(['item 1', 'item 2', 'item 3', 'end']);
  });

  it('falls back to Symbol.asyncIterator', async () => {
    const stream = { [Symbol.asyncIterator]: () => numbers(2) };
    const { calls, observer } = recordingObserver();
    expect(observeStream(stream, observer)).toBe(true);
    expect(await collect(stream)).toEqual([1, 2]);
    expect(calls).toEqual(['item 1', 'item 2', 'end']);
  });

  it('refuses what is not iterable', () => {
    expect(observeStream({}, recordingObserver().observer)).toBe(false);
  });

  it('keeps hidden items from the consumer but still observes them', async () => {
    const stream = { [Symbol.asyncIterator]: () => numbers(3) };
    const { calls, observer } = recordingObserver((value) => value === 3);
    observeStream(stream, observer);
    expect(await collect(stream)).toEqual([1, 2]);
    expect(calls).toContain('item 3');
  });

  it('sees an early break as abandon and closes the source, so the client can abort its request', async () => {
    let sourceClosed = false;
    async function* source() {
      try {
        yield* numbers(10);
      } finally {
        sourceClosed = true;
      }
    }
    const stream = { [Symbol.asyncIterator]: source };
    const { calls, observer } = recordingObserver();
    observeStream(stream, observer);
    for await (const value of stream) if (value === 2) break;
    expect(calls).toEqual(['item 1', 'item 2', 'abandon']);
    expect(sourceClosed).toBe(true);
  });

  it('reports a failure and rethrows the same error to the consumer', async () => {
    const stream = { [Symbol.asyncIterator]: () => numbers(3, 2) };
    const { calls, observer } = recordingObserver();
    observeStream(stream, observer);
    await expect(collect(stream)).rejects.toThrow('boom');
    expect(calls).toEqual(['item 1', 'fail boom']);
  });
});
