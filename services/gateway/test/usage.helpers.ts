import { v7 as uuidv7 } from 'uuid';
import type { Agent, HttpResult } from '@llmlab/testing';

/** A valid usage event as a client sends it, a minute old, priced by the bundled catalog (gpt-4o-mini). */
export function usageEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: uuidv7(),
    timestamp: new Date(Date.now() - 60_000).toISOString(),
    provider: 'openai',
    model: 'gpt-4o-mini',
    usage: { inputTokens: 1000, outputTokens: 200 },
    latencyMs: 420,
    status: 'success',
    tags: {},
    metadata: {},
    ...overrides,
  };
}

/** Retries `check` until it returns a value (not undefined) or the time is up; resolves with the value. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The project's cost summary over the last 40 days, as the API answers it. */
export async function summary(agent: Agent, projectId: string): Promise<HttpResult> {
  const from = new Date(Date.now() - 40 * 86_400_000).toISOString();
  const to = new Date(Date.now() + 600_000).toISOString();
  return agent.get(`/v1/projects/${projectId}/costs/summary?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
}

/** Resolves once the summary counts `requests`, then checks it stays there a moment (a late copy would show). */
export async function settledRequests(agent: Agent, projectId: string, requests: number, timeoutMs = 10_000): Promise<HttpResult> {
  await eventually(
    async () => ((await summary(agent, projectId)).body?.current?.requests === requests ? true : undefined),
    `${requests} requests`,
    timeoutMs,
  );
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const settled = await summary(agent, projectId);
  if (settled.body.current.requests !== requests)
    throw new Error(`expected ${requests} requests, then saw ${settled.body.current.requests}`);
  return settled;
}
