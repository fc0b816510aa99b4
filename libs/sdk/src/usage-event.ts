import { randomBytes } from 'node:crypto';
import type { LLMLabContext } from './context';

export type UsageStatus = 'success' | 'error';

/**
 * Token counts in the platform's convention, which is OpenAI's: `inputTokens` counts every input token,
 * cached ones included, and `cachedInputTokens` / `cacheWriteTokens` say how many of them were read from or
 * written to the prompt cache. Likewise `outputTokens` counts every output token, reasoning included, and
 * `reasoningTokens` says how many of them were reasoning.
 */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  audioInputTokens?: number;
  audioOutputTokens?: number;
  imageInputTokens?: number;
}

/** An explicit cost that overrides the platform's pricing for this event. `amount` is a decimal string. */
export interface Cost {
  amount: string;
  currency: string;
}

/**
 * A fingerprint of the prompt's stable start (system instructions and tool definitions): its SHA-256, estimated
 * token length and tool count, never its text. `instrument()` fills it in.
 */
export interface PromptPrefix {
  hash: string;
  tokens: number;
  tools: number;
}

/** One event as it goes over the wire to `POST /v1/usage`. */
export interface UsageEvent {
  /** Chosen by the client and kept across retries: the platform deduplicates on it. */
  id: string;
  /** RFC 3339, the time the call started. */
  timestamp: string;
  provider: string;
  model: string;
  usage: TokenUsage;
  /** Absent when the caller did not give it. */
  latencyMs?: number;
  status: UsageStatus;
  errorType?: string;
  userId?: string;
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  sessionId?: string;
  promptPrefix?: PromptPrefix;
  tags: Record<string, string>;
  metadata: Record<string, unknown>;
  cost?: Cost;
}

/** What `record()` takes: everything the SDK can fill in is optional. */
export interface UsageEventInput {
  id?: string;
  timestamp?: Date | string;
  provider: string;
  model: string;
  usage?: Partial<TokenUsage>;
  /** How long the call took; leave it out when unknown (a backfill, forwarded billing data). */
  latencyMs?: number;
  status?: UsageStatus;
  errorType?: string;
  userId?: string;
  traceId?: string;
  spanId?: string;
  /** Only with `traceId` and `spanId`: the span this call is a child of. */
  parentSpanId?: string;
  sessionId?: string;
  promptPrefix?: PromptPrefix;
  tags?: Record<string, string>;
  metadata?: Record<string, unknown>;
  cost?: Cost;
}

/** A non-negative integer, whatever a provider or a caller handed over. */
export function tokenCount(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}

export function normalizeUsage(usage: Partial<TokenUsage> = {}): TokenUsage {
  const normalized: TokenUsage = {
    inputTokens: tokenCount(usage.inputTokens),
    outputTokens: tokenCount(usage.outputTokens),
    cachedInputTokens: tokenCount(usage.cachedInputTokens),
    cacheWriteTokens: tokenCount(usage.cacheWriteTokens),
    reasoningTokens: tokenCount(usage.reasoningTokens),
  };
  for (const key of ['audioInputTokens', 'audioOutputTokens', 'imageInputTokens'] as const) {
    if (usage[key] !== undefined) normalized[key] = tokenCount(usage[key]);
  }
  return normalized;
}

/**
 * Fills in what the caller left out. Precedence, weakest first: the client's default tags, the context,
 * the event itself.
 */
export function buildEvent(input: UsageEventInput, context: LLMLabContext, defaultTags: Record<string, string>): UsageEvent {
  const timestamp = input.timestamp ?? new Date();
  return {
    id: input.id ?? uuidv7(),
    timestamp: typeof timestamp === 'string' ? timestamp : timestamp.toISOString(),
    provider: input.provider,
    model: input.model,
    usage: normalizeUsage(input.usage),
    ...(input.latencyMs !== undefined ? { latencyMs: tokenCount(input.latencyMs) } : {}),
    status: input.status ?? 'success',
    errorType: input.errorType,
    userId: input.userId ?? context.userId,
    traceId: input.traceId ?? context.traceId,
    spanId: input.spanId ?? context.spanId,
    parentSpanId: input.parentSpanId ?? context.parentSpanId,
    sessionId: input.sessionId ?? context.sessionId,
    promptPrefix: input.promptPrefix,
    tags: { ...defaultTags, ...context.tags, ...input.tags },
    metadata: { ...context.metadata, ...input.metadata },
    cost: input.cost,
  };
}

/** UUID v7 (RFC 9562): time-ordered, so the platform's unique index on event ids stays append-friendly. */
export function uuidv7(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
