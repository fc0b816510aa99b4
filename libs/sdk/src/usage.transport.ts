import { parseRetryAfterMs } from './retry.policy';
import type { UsageEvent } from './usage-event';
import { SDK_VERSION } from './version';

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

export class FetchUsageTransport implements UsageTransport {
  private readonly url: string;
  private readonly headers: Record<string, string>;

  constructor(options: FetchUsageTransportOptions) {
    // A missing address must not throw in the host's constructor call: the first send reports it instead.
    this.url = `${String(options.baseUrl ?? '').replace(/\/+$/, '')}/v1/usage`;
    this.headers = {
      authorization: `Bearer ${options.apiKey}`,
      'content-type': 'application/json',
      'user-agent': `llmlab-sdk-node/${SDK_VERSION}`,
    };
  }

  async send(batch: UsageBatch, signal: AbortSignal): Promise<UsageTransportResponse> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: this.headers,
      body: JSON.stringify(batch),
      signal,
    });
    const text = await response.text();
    return {
      status: response.status,
      retryAfterMs: parseRetryAfterMs(response.headers.get('retry-after')),
      body: parseBody(text),
    };
  }
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
