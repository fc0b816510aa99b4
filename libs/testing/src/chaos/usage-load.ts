import { randomInt } from 'node:crypto';
import type { UsageEventInput } from '@llmlab/contracts';
import { usageEvent } from '../usage-event';

export interface UsageLoadOptions {
  gatewayUrl: string;
  /** The project's API key (ingest scope). */
  apiKey: string;
  /** Clients sending at the same time, each one batch after another. */
  clients: number;
  batchSize: number;
  /** A client's pause after a batch was accepted, before its next one. */
  pauseMs: number;
  /** How long a request may take before the client gives up on it and sends it again. */
  requestTimeoutMs?: number;
}

/** What a client knows of an event it sent: its tokens, whatever the platform answered. */
export interface SentUsage {
  inputTokens: number;
  outputTokens: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Clients posting usage batches through the gateway without a break, as an SDK does: a batch refused (429, 503 after
 * its Retry-After, any other answer or a broken connection after a backoff) is sent again with the SAME event ids
 * until it is answered 202; only then are its ids acknowledged. An id acknowledged must be counted exactly once;
 * one sent but never acknowledged (the run ended first) may be counted once or not at all.
 */
export class UsageLoad {
  /** Every event ever sent, by id. */
  readonly sent = new Map<string, SentUsage>();
  /** Ids answered 202 (accepted, or called a duplicate of a copy already durable). */
  readonly acked = new Set<string>();
  /** Ids the gateway refused as invalid in a 202: none should be. */
  readonly rejected = new Set<string>();
  /** Every answer received, by status (`error` for a connection that failed or timed out). */
  readonly answers = new Map<string, number>();
  private stopping = false;
  private clients: Promise<void>[] = [];
  private lastAckAt = 0;

  constructor(private readonly options: UsageLoadOptions) {}

  start(): void {
    this.clients = Array.from({ length: this.options.clients }, () => this.client());
  }

  /** When a batch was last acknowledged (ms since the epoch): recovery after a fault shows as a fresh one. */
  get lastAck(): number {
    return this.lastAckAt;
  }

  /** Lets every client finish the batch it holds (until it is acknowledged), and resolves when all stopped. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.clients);
  }

  private count(answer: string): void {
    this.answers.set(answer, (this.answers.get(answer) ?? 0) + 1);
  }

  private async client(): Promise<void> {
    while (!this.stopping) {
      const events = Array.from({ length: this.options.batchSize }, () =>
        usageEvent({
          timestamp: new Date(Date.now() - 1_000).toISOString(),
          usage: { inputTokens: randomInt(100, 4_000), outputTokens: randomInt(10, 1_000) },
        }),
      );
      for (const e of events) this.sent.set(e.id, { inputTokens: e.usage.inputTokens ?? 0, outputTokens: e.usage.outputTokens ?? 0 });
      await this.deliver(events);
      await sleep(this.options.pauseMs);
    }
  }

  private async deliver(events: UsageEventInput[]): Promise<void> {
    const body = JSON.stringify({ events });
    for (let attempt = 0; ; attempt++) {
      let wait = Math.min(2_000, 250 * 2 ** attempt);
      try {
        const res = await fetch(`${this.options.gatewayUrl}/v1/usage`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': this.options.apiKey },
          body,
          signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 15_000),
        });
        const answer = await res.text();
        this.count(String(res.status));
        if (res.status === 202) {
          const refused = new Set(((JSON.parse(answer) as { rejected?: { index: number }[] }).rejected ?? []).map((r) => r.index));
          events.forEach((e, i) => (refused.has(i) ? this.rejected : this.acked).add(e.id));
          this.lastAckAt = Date.now();
          return;
        }
        const retryAfter = Number(res.headers.get('retry-after'));
        if ((res.status === 429 || res.status === 503) && retryAfter > 0) wait = retryAfter * 1_000;
      } catch {
        this.count('error');
      }
      await sleep(wait);
    }
  }
}
