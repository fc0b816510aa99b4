import type { OutboundClient, OutboundResult } from '@llmlab/notifications';

/** Bounded retries of one provider request: a 429 waits its Retry-After (capped), a 5xx or a network error backs off. */
export interface ProviderRetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_PROVIDER_RETRY: ProviderRetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

/** A provider answered, but not with a 2xx, or could not be reached (after the retries). */
export class ProviderRequestError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

export interface ProviderResponse {
  status: number;
  body: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function retryAfterMs(header: string | string[] | undefined, policy: ProviderRetryPolicy, attempt: number): number {
  const value = Array.isArray(header) ? header[0] : header;
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  if (!value) return backoff;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(policy.maxDelayMs, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? backoff : Math.min(policy.maxDelayMs, Math.max(0, at - Date.now()));
}

/**
 * GETs from a provider through the SSRF-safe outbound client (libs/notifications: the official host, or an origin in
 * `PROVIDER_SYNC_TRUSTED_ORIGINS`), retrying 429 and 5xx within the policy. The credentials go in headers only and
 * never into an error message.
 */
export class ProviderHttp {
  constructor(
    private readonly client: OutboundClient,
    private readonly retry: ProviderRetryPolicy = DEFAULT_PROVIDER_RETRY,
  ) {}

  async get(url: string, headers: Record<string, string>): Promise<ProviderResponse> {
    const path = new URL(url).pathname;
    let last = '';
    for (let attempt = 0; attempt < this.retry.attempts; attempt++) {
      const result: OutboundResult = await this.client.get({ url, headers: { accept: 'application/json', ...headers } });
      switch (result.kind) {
        case 'refused':
          throw new ProviderRequestError(`refused to call ${path}: ${result.message}`, null);
        case 'network':
        case 'timeout':
          last = `${path}: ${result.message}`;
          await sleep(Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt));
          continue;
        case 'response': {
          const { status, headers: answer, body, truncated } = result.response;
          if (status === 429 || status >= 500) {
            last = `${path} answered ${status}`;
            if (attempt + 1 < this.retry.attempts) await sleep(retryAfterMs(answer['retry-after'], this.retry, attempt));
            continue;
          }
          if (truncated) throw new ProviderRequestError(`${path}: the answer is larger than the limit`, status);
          return { status, body };
        }
      }
    }
    throw new ProviderRequestError(`${last} (after ${this.retry.attempts} attempts)`, null);
  }
}
