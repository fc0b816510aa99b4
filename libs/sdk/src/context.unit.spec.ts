import { currentContext, withContext } from './context';

describe('withContext', () => {
  it('is visible across awaits and timers inside the callback, and gone after it', async () => {
    const seen = await withContext({ userId: 'u-1' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return currentContext().userId;
    });
    expect(seen).toBe('u-1');
    expect(currentContext()).toEqual({});
  });

  it('merges nested contexts, the inner one winning key by key', () => {
    const inner = withContext({ userId: 'u-1', traceId: 't-1', tags: { team: 'a', env: 'prod' } }, () =>
      withContext({ traceId: 't-2', tags: { team: 'b' }, metadata: { step: 2 } }, currentContext),
    );
    expect(inner).toEqual({
      userId: 'u-1',
      traceId: 't-2',
      spanId: undefined,
      tags: { team: 'b', env: 'prod' },
      metadata: { step: 2 },
    });
  });

  it('returns what the callback returns, promise or not', () => {
    expect(withContext({}, () => 42)).toBe(42);
  });
});
