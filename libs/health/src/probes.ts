import type { NatsConnection } from '@nats-io/nats-core';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';

/** The result of asking one dependency whether it answers. Never throws: a probe reports. */
export interface ProbeResult {
  name: string;
  up: boolean;
  latencyMs: number;
  error?: string;
}

export type Probe = () => Promise<ProbeResult>;

async function timed(name: string, timeoutMs: number, fn: () => Promise<unknown>): Promise<ProbeResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { name, up: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    // Only the error's message: connection errors can carry a URL, and URLs can carry credentials.
    const message = err instanceof Error ? err.message.replace(/\/\/[^@/\s]+@/g, '//[redacted]@') : String(err);
    return { name, up: false, latencyMs: Math.round(performance.now() - started), error: message };
  } finally {
    clearTimeout(timer);
  }
}

export const probes = {
  postgres:
    (pool: Pool, timeoutMs = 2000): Probe =>
    () =>
      timed('postgres', timeoutMs, () => pool.query('SELECT 1')),
  redis:
    (redis: Redis, timeoutMs = 2000): Probe =>
    () =>
      timed('redis', timeoutMs, () => redis.ping()),
  nats:
    (nc: NatsConnection, timeoutMs = 2000): Probe =>
    () =>
      timed('nats', timeoutMs, async () => {
        if (nc.isClosed()) throw new Error('connection closed');
        await nc.flush();
      }),
};

export async function runProbes(list: Probe[]): Promise<ProbeResult[]> {
  return Promise.all(list.map((p) => p()));
}
