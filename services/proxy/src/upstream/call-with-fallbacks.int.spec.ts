import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { eventually, seededRandom } from '@llmlab/testing';
import {
  callWithFallbacks,
  systemClock,
  type CallWithFallbacksOptions,
  type UpstreamAttempt,
  type UpstreamClock,
} from './call-with-fallbacks';
import { UpstreamBreakers, type BreakerOptions } from './upstream-breakers';
import { upstreamTarget, type UpstreamTarget } from './upstream-target';
import { UpstreamCancelled, UpstreamUnavailable } from './upstream.errors';

type Handler = (n: number, req: IncomingMessage, res: ServerResponse) => void;

/** A local provider: counts requests and connections, and answers a request that the client cut short as `cut`. */
interface Upstream {
  origin: string;
  requests: number;
  connections: number;
  cut: number;
  close(): Promise<void>;
}

const running: Upstream[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((u) => u.close()));
});

async function upstream(handle: Handler): Promise<Upstream> {
  const server = createServer((req, res) => {
    // One connection per request, so that connections count what reached the server.
    res.setHeader('connection', 'close');
    res.on('close', () => {
      if (!res.writableFinished) state.cut++;
    });
    handle(++state.requests, req, res);
  });
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const state: Upstream = {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: 0,
    connections: 0,
    cut: 0,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  running.push(state);
  return state;
}

const answer =
  (status: number, headers: Record<string, string> = {}, body = `{"status":${status}}`): Handler =>
  (_n, _req, res) =>
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);

/** Status and headers, then a body that never ends: only the client can close it. */
const endless =
  (status: number): Handler =>
  (_n, _req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.write('{"error":');
  };

const silent: Handler = () => undefined;

async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

const target = (origin: string, timeoutMs = 2_000): UpstreamTarget =>
  upstreamTarget({ provider: 'openai', baseUrl: `${origin}/v1`, model: 'gpt-4o-mini', timeoutMs });

const attempt: UpstreamAttempt = (t, signal) =>
  fetch(`${t.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: t.model, messages: [] }),
    signal,
  });

/** Records the waits asked for and returns at once; `now` is fixed. */
function recordingClock(now = Date.parse('2025-03-01T12:00:00Z')): UpstreamClock & { waits: number[] } {
  const waits: number[] = [];
  return { waits, now: () => now, sleep: async (ms) => void waits.push(ms) };
}

const lenientBreakers: BreakerOptions = { failureThreshold: 100, halfOpenAfterMs: 60_000, maxTargets: 100 };

function options(overrides: Partial<CallWithFallbacksOptions> = {}): CallWithFallbacksOptions {
  return {
    maxRetries: 2,
    backoffBaseMs: 100,
    backoffMaxMs: 1_000,
    maxRetryAfterMs: 5_000,
    breakers: new UpstreamBreakers(lenientBreakers),
    clock: recordingClock(),
    random: seededRandom(7),
    ...overrides,
  };
}

describe('callWithFallbacks', () => {
  it("waits as long as a 429's Retry-After asks, then answers from the same target", async () => {
    const provider = await upstream((n, req, res) => answer(n === 1 ? 429 : 200, { 'retry-after': '1' })(n, req, res));
    const clock = recordingClock();

    const result = await callWithFallbacks([target(provider.origin)], attempt, options({ clock }));

    expect(result.kind).toBe('answered');
    expect(result.response.status).toBe(200);
    expect(await result.response.json()).toEqual({ status: 200 });
    expect(clock.waits).toEqual([1_000]);
    expect(provider.requests).toBe(2);
    expect(result.targets).toEqual([
      {
        targetId: `openai@${provider.origin}`,
        model: 'gpt-4o-mini',
        result: 'answered',
        attempts: [
          { outcome: { kind: 'status', status: 429 }, retryAfterMs: 1_000, waitedMs: 1_000 },
          { outcome: { kind: 'status', status: 200 } },
        ],
      },
    ]);
  });

  it("prefers OpenAI's retry-after-ms to Retry-After", async () => {
    const provider = await upstream((n, req, res) =>
      answer(n === 1 ? 429 : 200, { 'retry-after-ms': '250', 'retry-after': '1' })(n, req, res),
    );
    const clock = recordingClock();

    const result = await callWithFallbacks([target(provider.origin)], attempt, options({ clock }));

    expect(result.response.status).toBe(200);
    expect(clock.waits).toEqual([250]);
  });

  it('reads a Retry-After given as an HTTP date against the clock', async () => {
    const clock = recordingClock(Date.parse('2025-03-01T12:00:00Z'));
    const provider = await upstream((n, req, res) =>
      answer(n === 1 ? 503 : 200, { 'retry-after': 'Sat, 01 Mar 2025 12:00:03 GMT' })(n, req, res),
    );

    await callWithFallbacks([target(provider.origin)], attempt, options({ clock }));

    expect(clock.waits).toEqual([3_000]);
  });

  it('leaves a target that asks for a wait above the cap for the next one, without waiting', async () => {
    const limited = await upstream(answer(429, { 'retry-after': '60' }));
    const fallback = await upstream(answer(200));
    const clock = recordingClock();

    const result = await callWithFallbacks([target(limited.origin), target(fallback.origin)], attempt, options({ clock }));

    expect(result.target.id).toBe(`openai@${fallback.origin}`);
    expect(result.response.status).toBe(200);
    expect(clock.waits).toEqual([]);
    expect(limited.requests).toBe(1);
    expect(result.targets[0]).toMatchObject({ result: 'retry-after-too-long', attempts: [{ retryAfterMs: 60_000 }] });
  });

  it('retries a 503 with jittered backoff, falls back after the last retry, and discards the bodies it does not return', async () => {
    const failing = await upstream(endless(503));
    const fallback = await upstream(answer(200));
    const clock = recordingClock();

    const result = await callWithFallbacks([target(failing.origin), target(fallback.origin)], attempt, options({ clock }));

    expect(result).toMatchObject({ kind: 'answered', target: { id: `openai@${fallback.origin}` } });
    expect(failing.requests).toBe(3);
    expect(fallback.requests).toBe(1);
    expect(result.targets[0].result).toBe('retries-exhausted');
    expect(result.targets[0].attempts.map((a) => a.outcome)).toEqual(Array(3).fill({ kind: 'status', status: 503 }));
    // Two waits, the n-th drawn below min(cap, base * 2^(n-1)); none after the last try.
    expect(clock.waits).toHaveLength(2);
    expect(clock.waits[0]).toBeGreaterThanOrEqual(0);
    expect(clock.waits[0]).toBeLessThan(100);
    expect(clock.waits[1]).toBeLessThan(200);
    expect(result.targets[0].attempts.map((a) => a.waitedMs)).toEqual([...clock.waits, undefined]);
    await eventually(async () => failing.cut === 3, 'the three 503 bodies cancelled', 2_000);
  });

  it('returns a 400 at once: no retry, no fallback', async () => {
    const provider = await upstream(answer(400, {}, '{"error":{"message":"bad model"}}'));
    const fallback = await upstream(answer(200));
    const clock = recordingClock();

    const result = await callWithFallbacks([target(provider.origin), target(fallback.origin)], attempt, options({ clock }));

    expect(result.kind).toBe('answered');
    expect(result.response.status).toBe(400);
    expect(await result.response.json()).toEqual({ error: { message: 'bad model' } });
    expect(provider.requests).toBe(1);
    expect(fallback.requests).toBe(0);
    expect(clock.waits).toEqual([]);
    expect(result.targets).toHaveLength(1);
  });

  it('times out a target that accepts and never answers, then falls back', async () => {
    const hanging = await upstream(silent);
    const fallback = await upstream(answer(200));

    const result = await callWithFallbacks([target(hanging.origin, 100), target(fallback.origin)], attempt, options({ maxRetries: 1 }));

    expect(result.target.id).toBe(`openai@${fallback.origin}`);
    expect(hanging.requests).toBe(2);
    expect(result.targets[0].attempts.map((a) => a.outcome)).toEqual([{ kind: 'timeout' }, { kind: 'timeout' }]);
    await eventually(async () => hanging.cut === 2, 'the timed-out requests closed', 2_000);
  });

  it('times out an attempt that ignores its signal', async () => {
    const fallback = await upstream(answer(200));
    const deaf: UpstreamAttempt = (t, signal) => (t.id === `openai@${fallback.origin}` ? attempt(t, signal) : new Promise(() => undefined));

    const result = await callWithFallbacks([target('http://127.0.0.1:9', 50), target(fallback.origin)], deaf, options({ maxRetries: 0 }));

    expect(result.targets[0].attempts).toEqual([{ outcome: { kind: 'timeout' } }]);
    expect(result.response.status).toBe(200);
  });

  it('retries a refused connection, then falls back', async () => {
    const closed = await closedPort();
    const fallback = await upstream(answer(200));
    const clock = recordingClock();

    const result = await callWithFallbacks([target(closed), target(fallback.origin)], attempt, options({ clock }));

    expect(result.response.status).toBe(200);
    expect(result.targets[0]).toEqual({
      targetId: `openai@${closed}`,
      model: 'gpt-4o-mini',
      result: 'retries-exhausted',
      attempts: [
        { outcome: { kind: 'connection', code: 'ECONNREFUSED' }, waitedMs: clock.waits[0] },
        { outcome: { kind: 'connection', code: 'ECONNREFUSED' }, waitedMs: clock.waits[1] },
        { outcome: { kind: 'connection', code: 'ECONNREFUSED' } },
      ],
    });
  });

  it('throws UpstreamUnavailable with every target’s reason when none answered at all', async () => {
    const closed = await closedPort();
    const hanging = await upstream(silent);

    const error = await callWithFallbacks([target(closed), target(hanging.origin, 50)], attempt, options({ maxRetries: 0 })).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(UpstreamUnavailable);
    expect((error as UpstreamUnavailable).code).toBe('unavailable');
    expect((error as UpstreamUnavailable).targets.map((t) => [t.result, t.attempts.map((a) => a.outcome.kind)])).toEqual([
      ['retries-exhausted', ['connection']],
      ['retries-exhausted', ['timeout']],
    ]);
  });

  it("returns the last provider's error when every target failed, so the caller relays it", async () => {
    const first = await upstream(answer(502));
    const second = await upstream(answer(529, {}, '{"type":"error","error":{"type":"overloaded_error"}}'));
    const closed = await closedPort();

    const result = await callWithFallbacks(
      [target(first.origin), target(second.origin), target(closed)],
      attempt,
      options({ maxRetries: 0 }),
    );

    expect(result.kind).toBe('exhausted');
    expect(result.target.id).toBe(`openai@${second.origin}`);
    expect(result.response.status).toBe(529);
    expect(await result.response.json()).toEqual({ type: 'error', error: { type: 'overloaded_error' } });
    expect(result.targets.map((t) => t.result)).toEqual(['retries-exhausted', 'retries-exhausted', 'retries-exhausted']);
  });

  it('rethrows an error of the attempt that is not a network error', async () => {
    const broken: UpstreamAttempt = () => Promise.reject(new RangeError('bug in the attempt'));

    await expect(callWithFallbacks([target('http://127.0.0.1:9')], broken, options())).rejects.toThrow(RangeError);
  });

  describe('circuit breakers', () => {
    it('opens after N consecutive failures; the next call skips the target without connecting', async () => {
      const failing = await upstream(answer(503));
      const fallback = await upstream(answer(200));
      const breakers = new UpstreamBreakers({ failureThreshold: 3, halfOpenAfterMs: 60_000, maxTargets: 10 });
      const targets = [target(failing.origin), target(fallback.origin)];

      await callWithFallbacks(targets, attempt, options({ breakers }));
      expect(failing.connections).toBe(3);
      expect(breakers.state(targets[0].id)).toBe('open');

      const result = await callWithFallbacks(targets, attempt, options({ breakers }));

      expect(failing.connections).toBe(3);
      expect(result.targets[0]).toEqual({ targetId: targets[0].id, model: 'gpt-4o-mini', result: 'circuit-open', attempts: [] });
      expect(result.target.id).toBe(targets[1].id);
    });

    it('stops retrying, and waiting, once a failure opened the breaker', async () => {
      const failing = await upstream(answer(500));
      const fallback = await upstream(answer(200));
      const clock = recordingClock();
      const breakers = new UpstreamBreakers({ failureThreshold: 2, halfOpenAfterMs: 60_000, maxTargets: 10 });

      const result = await callWithFallbacks(
        [target(failing.origin), target(fallback.origin)],
        attempt,
        options({ breakers, clock, maxRetries: 5 }),
      );

      expect(result.targets[0].result).toBe('circuit-open');
      expect(failing.requests).toBe(2);
      expect(clock.waits).toHaveLength(1);
    });

    it('does not count a 429 or a 4xx against the target: they belong to the caller and its key', async () => {
      const provider = await upstream((n, req, res) => answer(n % 2 ? 429 : 401, { 'retry-after': '0' })(n, req, res));
      const breakers = new UpstreamBreakers({ failureThreshold: 1, halfOpenAfterMs: 60_000, maxTargets: 10 });

      for (let i = 0; i < 3; i++) await callWithFallbacks([target(provider.origin)], attempt, options({ breakers }));

      expect(provider.requests).toBe(6);
      expect(breakers.state(target(provider.origin).id)).toBe('closed');
    });

    it('lets one call probe the target after the cool-down, and closes on its success', async () => {
      const flaky = await upstream((n, req, res) => answer(n === 1 ? 503 : 200)(n, req, res));
      const fallback = await upstream(answer(200));
      const breakers = new UpstreamBreakers({ failureThreshold: 1, halfOpenAfterMs: 100, maxTargets: 10 });
      const targets = [target(flaky.origin), target(fallback.origin)];

      await callWithFallbacks(targets, attempt, options({ breakers, maxRetries: 0 }));
      expect(breakers.state(targets[0].id)).toBe('open');
      // cockatiel reads Date.now() and takes no clock: a real cool-down, short.
      await delay(150);

      const result = await callWithFallbacks(targets, attempt, options({ breakers, maxRetries: 0 }));

      expect(result.target.id).toBe(targets[0].id);
      expect(flaky.requests).toBe(2);
      expect(breakers.state(targets[0].id)).toBe('closed');
    });

    it('sends other calls to the fallback while the probe is in flight', async () => {
      let releaseProbe: () => void = () => undefined;
      const flaky = await upstream((n, req, res) => {
        if (n === 1) answer(503)(n, req, res);
        else releaseProbe = () => answer(200)(n, req, res);
      });
      const fallback = await upstream(answer(200));
      const breakers = new UpstreamBreakers({ failureThreshold: 1, halfOpenAfterMs: 100, maxTargets: 10 });
      const targets = [target(flaky.origin), target(fallback.origin)];
      await callWithFallbacks(targets, attempt, options({ breakers, maxRetries: 0 }));
      await delay(150);

      const probe = callWithFallbacks(targets, attempt, options({ breakers, maxRetries: 0 }));
      await eventually(async () => flaky.requests === 2, 'the probe at the upstream', 2_000);
      const meanwhile = await callWithFallbacks(targets, attempt, options({ breakers, maxRetries: 0 }));
      releaseProbe();

      expect(meanwhile.target.id).toBe(targets[1].id);
      expect(meanwhile.targets[0].result).toBe('circuit-open');
      expect((await probe).target.id).toBe(targets[0].id);
      expect(flaky.requests).toBe(2);
    });

    it('opens again when the probe fails', async () => {
      const failing = await upstream(answer(503));
      const breakers = new UpstreamBreakers({ failureThreshold: 1, halfOpenAfterMs: 100, maxTargets: 10 });
      const targets = [target(failing.origin)];
      await callWithFallbacks(targets, attempt, options({ breakers, maxRetries: 0 }));
      await delay(150);

      await callWithFallbacks(targets, attempt, options({ breakers, maxRetries: 0 }));
      const skipped = await callWithFallbacks(targets, attempt, options({ breakers, maxRetries: 0 })).catch((e: unknown) => e);

      expect(failing.requests).toBe(2);
      expect(skipped).toBeInstanceOf(UpstreamUnavailable);
      expect((skipped as UpstreamUnavailable).targets[0].result).toBe('circuit-open');
    });
  });

  describe("the caller's abort", () => {
    it('cancels the attempt in flight and falls back to nothing', async () => {
      const caller = new AbortController();
      const hanging = await upstream(() => caller.abort());
      const fallback = await upstream(answer(200));
      const breakers = new UpstreamBreakers({ failureThreshold: 1, halfOpenAfterMs: 60_000, maxTargets: 10 });
      const targets = [target(hanging.origin, 10_000), target(fallback.origin)];

      const error = await callWithFallbacks(targets, attempt, options({ breakers, signal: caller.signal })).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(UpstreamCancelled);
      expect((error as UpstreamCancelled).targets).toEqual([
        { targetId: targets[0].id, model: 'gpt-4o-mini', result: 'cancelled', attempts: [{ outcome: { kind: 'cancelled' } }] },
      ]);
      await eventually(async () => hanging.cut === 1, 'the upstream request closed', 2_000);
      expect(fallback.requests).toBe(0);
      // Leaving is no evidence against the target.
      expect(breakers.state(targets[0].id)).toBe('closed');
    });

    it('cancels a wait between retries, and the body it held', async () => {
      const caller = new AbortController();
      const limited = await upstream((n, req, res) => {
        res.writeHead(429, { 'retry-after': '1' });
        res.write('{"error":');
      });
      const clock: UpstreamClock = {
        now: () => Date.now(),
        sleep: (ms, signal) => {
          caller.abort();
          return systemClock.sleep(ms, signal);
        },
      };

      await expect(callWithFallbacks([target(limited.origin)], attempt, options({ clock, signal: caller.signal }))).rejects.toBeInstanceOf(
        UpstreamCancelled,
      );
      expect(limited.requests).toBe(1);
      await eventually(async () => limited.cut === 1, 'the held 429 body cancelled', 2_000);
    });

    it('still cancels the body of the answer it returned', async () => {
      const caller = new AbortController();
      const streaming = await upstream(endless(200));

      const result = await callWithFallbacks([target(streaming.origin)], attempt, options({ signal: caller.signal }));
      caller.abort();

      await expect(result.response.text()).rejects.toThrow();
      await eventually(async () => streaming.cut === 1, 'the stream closed upstream', 2_000);
    });
  });
});
