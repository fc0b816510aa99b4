import { createApiClient, type ApiClient } from './api-client';
import { parseRetryAfterMs } from './retry.policy';
import type { UsageEvent } from './usage-event';

/** The body of `POST /v1/usage`. */
export interface UsageBatch {
  events: UsageEvent[];
}

export interface UsageTransportResponse {
  status: number;
  /** From `Retry-After`, when the server sent one. */
  retryAfterMs?: number;
  /** The parsed JSON answer, or its text when it is not JSON. */
  body?: unknown;
}

/**
 * How a batch reaches the platform. The client owns batching, retries and their policy; a transport makes
 * one attempt, resolves with whatever status the server answered, and rejects only when no answer came
 * (network error, timeout, abort).
 */
export interface UsageTransport {
  send(batch: UsageBatch, signal: AbortSignal): Promise<UsageTransportResponse>;
}

export interface FetchUsageTransportOptions {
  apiKey: string;
  /** The platform's public address, e.g. `https://llmlab.example.com`; `/v1/usage` is appended. */
  baseUrl: string;
}

/** Sends batches with the typed API client, so the events' shape is checked against the API at compile time. */
export class FetchUsageTransport implements UsageTransport {
  private readonly api: ApiClient;

  constructor(options: FetchUsageTransportOptions) {
    // A missing address must not throw in the host's constructor call: the first send reports it instead.
    this.api = createApiClient({ baseUrl: String(options.baseUrl ?? ''), apiKey: options.apiKey });
  }

  async send(batch: UsageBatch, signal: AbortSignal): Promise<UsageTransportResponse> {
    const { response, data, error } = await this.api.POST('/v1/usage', { body: batch, signal });
    return {
      status: response.status,
      retryAfterMs: parseRetryAfterMs(response.headers.get('retry-after')),
      body: data ?? error,
    };
  }
}
