import type { ProxyProvider } from '@llmlab/contracts';

/** One place a route can send a call: a provider's API (or a compatible one) and the model to ask there. */
export interface UpstreamTarget {
  /** Names the circuit breaker: every target of one provider on one origin shares it, whatever its model. */
  readonly id: string;
  readonly provider: ProxyProvider;
  readonly baseUrl: string;
  readonly model: string;
  /** How long the upstream may take to send its status and headers; a stream then runs as long as it runs. */
  readonly timeoutMs: number;
}

export function upstreamTarget(target: Omit<UpstreamTarget, 'id'>): UpstreamTarget {
  return { ...target, id: `${target.provider}@${new URL(target.baseUrl).origin}` };
}
