import { eventually, type Agent, type HttpResult } from '@llmlab/testing';

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
