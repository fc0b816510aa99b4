/** Callbacks for one consumption of a stream. Implementations must not throw. */
export interface StreamObserver<T> {
  item(value: T): void;
  /** Items for which this is true are read but not passed on. */
  hides(value: T): boolean;
  end(): void;
  fail(error: unknown): void;
  /** The consumer stopped early (`break`, `return()`, a cancelled tee branch). */
  abandon(): void;
}

type IteratorFactory<T> = () => AsyncIterator<T>;

/**
 * Routes every consumer of `stream` through `observer`, in place. The openai and @anthropic-ai/sdk
 * `Stream` classes read their source from an `iterator` field for `for await`, `tee()` and
 * `toReadableStream()` alike; wrapping that field (as openai's own `__betaTransformIterator` does) sees
 * every path while keeping the instance, its class and its `controller`. A stream without the field has
 * its `Symbol.asyncIterator` wrapped instead. Returns false when it has neither.
 */
export function observeStream<T>(stream: object, observer: StreamObserver<T>): boolean {
  const target = stream as { iterator?: unknown; [Symbol.asyncIterator]?: unknown };
  if (typeof target.iterator === 'function') {
    const source = (target.iterator as IteratorFactory<T>).bind(stream);
    target.iterator = () => observeIterator(source(), observer);
    return true;
  }
  if (typeof target[Symbol.asyncIterator] === 'function') {
    const source = (target[Symbol.asyncIterator] as IteratorFactory<T>).bind(stream);
    target[Symbol.asyncIterator] = () => observeIterator(source(), observer);
    return true;
  }
  return false;
}

/**
 * `for await` hands an early exit on to `source.return()`, so the client still aborts the HTTP request
 * when its consumer stops reading, exactly as without the observer.
 */
async function* observeIterator<T>(source: AsyncIterator<T>, observer: StreamObserver<T>): AsyncGenerator<T> {
  let finished = false;
  try {
    for await (const value of { [Symbol.asyncIterator]: () => source }) {
      observer.item(value);
      if (!observer.hides(value)) yield value;
    }
    finished = true;
    observer.end();
  } catch (error) {
    finished = true;
    observer.fail(error);
    throw error;
  } finally {
    if (!finished) observer.abandon();
  }
}
