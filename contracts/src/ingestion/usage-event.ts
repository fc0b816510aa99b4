/**
 * The usage event as the platform accepts it (`POST /v1/usage`), and the message the gateway publishes to the
 * JetStream stream `INGEST` for each accepted HTTP batch. Written once here: the gateway validates with
 * `validateUsageEvent`, the ingestion service reads what it published.
 */

export type UsageStatus = 'success' | 'error';

/**
 * Token counts in the platform's convention, which is OpenAI's: `inputTokens` counts every input token and the
 * other input fields say how many of those were of one kind; `outputTokens` counts every output token and the
 * other output fields are parts of it. The pricing engine prices exactly this type (its `Usage`; see
 * `docs/pricing.md`, "Token convention").
 */
export interface UsageCounts {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Part of `inputTokens` read from the prompt cache. */
  readonly cachedInputTokens?: number;
  /** Part of `inputTokens` written to the prompt cache. */
  readonly cacheWriteTokens?: number;
  /** Part of `cacheWriteTokens` written to a 1-hour cache entry (Anthropic). */
  readonly cacheWrite1hTokens?: number;
  /** Part of `outputTokens` spent on reasoning. */
  readonly reasoningTokens?: number;
  /** Part of `inputTokens` that is audio, cached audio included. */
  readonly inputAudioTokens?: number;
  /** Part of both `cachedInputTokens` and `inputAudioTokens`. */
  readonly cachedInputAudioTokens?: number;
  /** Part of `outputTokens` that is audio. */
  readonly outputAudioTokens?: number;
  /** Part of `inputTokens` that is image, cached image tokens included. */
  readonly inputImageTokens?: number;
  /** Part of both `cachedInputTokens` and `inputImageTokens`. */
  readonly cachedInputImageTokens?: number;
  /** Part of `outputTokens` that is image. */
  readonly outputImageTokens?: number;
}

export const USAGE_COUNT_FIELDS = [
  'inputTokens',
  'outputTokens',
  'cachedInputTokens',
  'cacheWriteTokens',
  'cacheWrite1hTokens',
  'reasoningTokens',
  'inputAudioTokens',
  'cachedInputAudioTokens',
  'outputAudioTokens',
  'inputImageTokens',
  'cachedInputImageTokens',
  'outputImageTokens',
] as const satisfies readonly (keyof UsageCounts)[];

/**
 * Names `@llmlab/sdk` 0.x sends for three of the counts. Accepted on the wire and stored under the canonical
 * name; sending both spellings with different values is an error.
 */
export const USAGE_COUNT_ALIASES = {
  audioInputTokens: 'inputAudioTokens',
  audioOutputTokens: 'outputAudioTokens',
  imageInputTokens: 'inputImageTokens',
} as const satisfies Record<string, keyof UsageCounts>;

/** The only currency amounts are accounted in: the price dataset is in USD and rollups never mix currencies. */
export type Currency = 'USD';

/** An amount of money: a decimal string in plain notation (`"0.000123"`), never a float. */
export interface MoneyAmount {
  readonly amount: string;
  readonly currency: Currency;
}

/**
 * A fingerprint of the stable start of a prompt (the system prompt and the tool definitions), never its text: what
 * the recommendations service needs to see that calls repeat a long prefix that prompt caching would make cheaper.
 * `@llmlab/sdk`'s `instrument()` computes it (docs/ingestion.md, "Prompt-prefix fingerprints").
 */
export interface PromptPrefix {
  /** SHA-256, 64 lowercase hex characters, of the prefix's canonical form. */
  readonly hash: string;
  /** Its length in tokens (the SDK's is an estimate: UTF-8 bytes ÷ 4, rounded up). */
  readonly tokens: number;
  /** How many tool definitions the prefix holds (0 when none). */
  readonly tools: number;
}

/**
 * One usage event after validation: what the client sent, with the timestamp normalized to UTC
 * (`2025-06-01T12:00:00.000Z`), SDK aliases mapped to canonical count names, optional strings either set or
 * absent, and `tags`/`metadata` always present.
 */
export interface UsageEventInput {
  /** Chosen by the client; the idempotency key, unique per project. */
  readonly id: string;
  readonly timestamp: string;
  readonly provider: string;
  readonly model: string;
  readonly usage: UsageCounts;
  /** How long the call took, when the sender knows (a backfill or forwarded billing data may not). */
  readonly latencyMs?: number;
  readonly status: UsageStatus;
  readonly errorType?: string;
  readonly userId?: string;
  readonly traceId?: string;
  readonly spanId?: string;
  /** The span the call was made under (with traceId and spanId): where the trace view hangs the model call. */
  readonly parentSpanId?: string;
  /** The conversation or agent session the call belongs to; traces are grouped by it. */
  readonly sessionId?: string;
  /** The prompt's stable prefix, fingerprinted. */
  readonly promptPrefix?: PromptPrefix;
  readonly tags: Readonly<Record<string, string>>;
  readonly metadata: Readonly<Record<string, unknown>>;
  /** An explicit cost: recorded as is (cost status `override`), never priced by the catalog. */
  readonly cost?: MoneyAmount;
}

/**
 * The JetStream message of one accepted HTTP batch, published to `topology.subject(INGEST_USAGE_SUBJECT)` on
 * stream `INGEST` with `Nats-Msg-Id` = `batchId`. The gateway answers 202 only after the PubAck.
 */
export interface UsageBatchAccepted {
  /** UUID v7 chosen by the gateway: the JetStream message id, and the seed of the ledger event ids. */
  readonly batchId: string;
  readonly organizationId: string;
  readonly projectId: string;
  /** The API key that sent the batch: the actor of the ledger event. */
  readonly apiKeyId: string;
  /** RFC 3339: when the gateway accepted the batch. The consumer checks timestamps against it, not its clock. */
  readonly receivedAt: string;
  /** The HTTP request's correlation id, carried into the ledger event's metadata. */
  readonly correlationId?: string;
  /** Only the valid events of the request, each as `validateUsageEvent` returned it. */
  readonly events: readonly UsageEventInput[];
}

/** Subject (before the deployment prefix) the gateway publishes `UsageBatchAccepted` to, on stream `INGEST`. */
export const INGEST_USAGE_SUBJECT = 'ingest.usage';

/**
 * Where one event the ingestion service could not store is dead-lettered, with the reason (`Dlq-Error` header):
 * `topology.subject(INGEST_USAGE_DEAD_LETTER_SUBJECT)`. Whole messages that break the contract go there too.
 */
export const INGEST_USAGE_DEAD_LETTER_SUBJECT = 'dlq.ingestion-usage';

/**
 * The Redis key of the gateway's "already accepted" hint for one event id (`namespace`: NATS_PREFIX). The
 * ingestion service deletes it when it dead-letters the event, so that a corrected resend is not called a
 * duplicate. `{projectId}` is a hash tag: one batch's keys share a Redis Cluster slot.
 */
export function usageSeenKey(namespace: string, projectId: string, eventId: string): string {
  return `${namespace ? `llmlab:${namespace}:` : 'llmlab:'}usage-seen:{${projectId}}:${eventId}`;
}

/** Limits of the ingest API. Requests beyond the first two are refused whole (413); the others reject an event. */
export const USAGE_LIMITS = {
  maxEventsPerBatch: 1000,
  maxBatchBytes: 1024 * 1024,
  maxIdLength: 128,
  maxProviderLength: 64,
  maxModelLength: 256,
  maxStringLength: 256,
  maxTags: 50,
  maxTagKeyLength: 64,
  maxTagValueLength: 256,
  maxMetadataBytes: 16 * 1024,
  /** One day: a latency beyond it is a unit mistake (seconds sent as milliseconds is the usual one). */
  maxLatencyMs: 24 * 3600 * 1000,
  maxFutureSkewMs: 5 * 60 * 1000,
  maxAgeMs: 35 * 24 * 3600 * 1000,
  /** Digits of a cost override: 16 before the point, 12 after (the money columns, `NUMERIC(60, 12)`, hold any sum of them). */
  maxAmountIntegerDigits: 16,
  maxAmountFractionDigits: 12,
  /** A prompt prefix longer than any model's context window is a mistake. */
  maxPromptPrefixTokens: 10_000_000,
  maxPromptPrefixTools: 10_000,
} as const;
