import { UpstreamBreakers } from './upstream-breakers';

const fails = async () => ({ value: 'down', verdict: 'failure' as const });
const works = async () => ({ value: 'up', verdict: 'success' as const });

describe('UpstreamBreakers', () => {
  it('keeps one breaker per target id', async () => {
    const breakers = new UpstreamBreakers({ failureThreshold: 2, halfOpenAfterMs: 60_000, maxTargets: 10 });

    await breakers.run('a', fails);
    await breakers.run('b', fails);
    expect([breakers.state('a'), breakers.state('b')]).toEqual(['closed', 'closed']);
    await breakers.run('a', fails);

    expect([breakers.state('a'), breakers.state('b')]).toEqual(['open', 'closed']);
    expect(await breakers.run('a', works)).toEqual({ ran: false });
    expect(await breakers.run('b', works)).toEqual({ ran: true, value: 'up' });
  });

  it('counts consecutive failures only: a success starts again', async () => {
    const breakers = new UpstreamBreakers({ failureThreshold: 2, halfOpenAfterMs: 60_000, maxTargets: 10 });

    await breakers.run('a', fails);
    await breakers.run('a', works);
    await breakers.run('a', fails);

    expect(breakers.state('a')).toBe('closed');
  });

  it('leaves a neutral result uncounted', async () => {
    const breakers = new UpstreamBreakers({ failureThreshold: 2, halfOpenAfterMs: 60_000, maxTargets: 10 });

    await breakers.run('a', fails);
    expect(await breakers.run('a', async () => ({ value: 'gone', verdict: 'neutral' as const }))).toEqual({ ran: true, value: 'gone' });
    await breakers.run('a', fails);

    expect(breakers.state('a')).toBe('open');
  });

  it('is bounded: past maxTargets the least recently used breaker goes', async () => {
    const breakers = new UpstreamBreakers({ failureThreshold: 1, halfOpenAfterMs: 60_000, maxTargets: 2 });

    await breakers.run('a', fails);
    await breakers.run('b', works);
    await breakers.run('a', works);
    await breakers.run('c', works);

    expect(breakers.size).toBe(2);
    expect(breakers.state('b')).toBeUndefined();
    expect(breakers.state('a')).toBe('open');
  });
});
