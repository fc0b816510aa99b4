import type { CostRange, TokenTotals } from './ingestion.messages';
import type { MoneyAmount, UsageCounts } from './usage-event';

/**
 * Traces: what the OTLP intake (`POST /v1/otlp/v1/traces`) publishes, what the ledger keeps, and what the trace
 * queries answer. A trace is identified by (project, traceId): the same trace id sent to two projects is two traces.
 * Ids are lowercase hex as OTLP/JSON spells them (32 characters for a trace, 16 for a span). Instants are RFC 3339
 * UTC with up to microseconds (`2026-12-04T10:00:00.123456Z`): OTLP's nanoseconds, truncated.
 *
 * A span and a usage event are the same model call when they name the same (traceId, spanId) in one project: the
 * ledger then counts one usage record for them, whichever arrived first (docs/traces.md, "Counted once").
 */

/** OpenTelemetry's span kind. */
export type SpanKind = 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export const SPAN_KINDS: readonly SpanKind[] = ['internal', 'server', 'client', 'producer', 'consumer'];

/** OpenTelemetry's status code; `error` makes the span (and its trace) failed. */
export type SpanStatus = 'unset' | 'ok' | 'error';

/**
 * What a span does, from the GenAI conventions' `gen_ai.operation.name` where it is set, otherwise from other
 * conventions (`http.request.method` → `http`, `db.system` → `retrieval`): `llm` is a model call (chat, text
 * completion, generate content, embeddings), `tool` is `execute_tool`, `agent` is `invoke_agent` or `create_agent`.
 */
export type SpanCategory = 'llm' | 'embedding' | 'tool' | 'agent' | 'retrieval' | 'http' | 'other';
export const SPAN_CATEGORIES: readonly SpanCategory[] = ['llm', 'embedding', 'tool', 'agent', 'retrieval', 'http', 'other'];

/** An attribute value as kept: OTLP's AnyValue flattened (bytes as base64, maps as JSON text), bounded in size. */
export type SpanAttributeValue = string | number | boolean | readonly (string | number | boolean)[];

export interface SpanEventData {
  readonly name: string;
  readonly time: string;
  readonly attributes: Readonly<Record<string, SpanAttributeValue>>;
}

/** The GenAI part of a span (GenAI semantic conventions), as the intake read it. */
export interface SpanGenAiData {
  /** `gen_ai.operation.name` (`chat`, `embeddings`, `execute_tool`, `invoke_agent`…). */
  readonly operation?: string;
  /** `gen_ai.provider.name`, or the older `gen_ai.system`, as sent (normalized by pricing, like usage events). */
  readonly provider?: string;
  readonly requestModel?: string;
  readonly responseModel?: string;
  /** `gen_ai.tool.name` of an `execute_tool` span. */
  readonly toolName?: string;
  /** SHA-256 (hex) of `gen_ai.tool.call.arguments`: loops are found by it; the arguments themselves are not kept. */
  readonly toolArgumentsHash?: string;
  /** Token counts in the platform's convention (docs/traces.md, "Token mapping"); absent when the span has none. */
  readonly usage?: UsageCounts;
  /** The usage event the intake derived from this span (`otel:<traceId>:<spanId>`), when it had usage. */
  readonly usageEventId?: string;
}

/**
 * Prompt and completion text a span carried (`gen_ai.input.messages`/`gen_ai.output.messages`, the older
 * `gen_ai.prompt`/`gen_ai.completion`, or their span events), each cut to `TRACE_LIMITS.maxContentBytes`. It is in
 * the ingest message only; the ingestion service stores it encrypted when the organization turned content capture
 * on, and drops it otherwise. Never in an event.
 */
export interface SpanContentInput {
  readonly input?: string;
  readonly output?: string;
  /** True when either was cut to the limit. */
  readonly truncated: boolean;
}

/** One span after the intake's validation, as it travels on `INGEST` and (without `content`) in the ledger. */
export interface SpanInput {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: SpanKind;
  readonly category: SpanCategory;
  readonly startTime: string;
  readonly endTime: string;
  readonly status: SpanStatus;
  /** The status message, or the first exception event's message. */
  readonly statusMessage?: string;
  /** Resource `service.name`. */
  readonly serviceName?: string;
  /** `session.id` (or `gen_ai.conversation.id`), from the span or its resource. */
  readonly sessionId?: string;
  /** `user.id` (or `enduser.id`). */
  readonly userId?: string;
  /** `llmlab.tag.<key>` attributes, as on usage events. */
  readonly tags: Readonly<Record<string, string>>;
  /** The other attributes, bounded (`TRACE_LIMITS`); GenAI content attributes never. */
  readonly attributes: Readonly<Record<string, SpanAttributeValue>>;
  /** Span events (exceptions first), bounded. */
  readonly events: readonly SpanEventData[];
  readonly genAi?: SpanGenAiData;
  readonly content?: SpanContentInput;
}

/**
 * The span as the ledger keeps it: no content, ever, and the end user as `endUser`, its keyed pseudonym
 * (end-users.ts); ledgers written before pseudonyms carry `userId`, and readers accept both.
 */
export type SpanRecordData = Omit<SpanInput, 'content'> & { readonly endUser?: string };

/**
 * The JetStream message of one OTLP request's accepted spans (or one part of them), published to
 * `topology.subject(INGEST_SPANS_SUBJECT)` on stream `INGEST` with `Nats-Msg-Id` = `batchId`. The spans that carry
 * usage were also published, as usage events, to `INGEST_USAGE_SUBJECT` before the answer.
 */
export interface SpanBatchAccepted {
  readonly batchId: string;
  readonly organizationId: string;
  readonly projectId: string;
  readonly apiKeyId: string;
  readonly receivedAt: string;
  readonly correlationId?: string;
  readonly spans: readonly SpanInput[];
}

export const INGEST_SPANS_SUBJECT = 'ingest.spans';
export const INGEST_SPANS_DEAD_LETTER_SUBJECT = 'dlq.ingestion-spans';

/** Limits of the OTLP intake. A body over `maxBodyBytes` (compressed or not) is refused whole (413). */
export const TRACE_LIMITS = {
  maxBodyBytes: 4 * 1024 * 1024,
  maxSpansPerRequest: 10_000,
  maxNameLength: 256,
  maxAttributes: 64,
  maxAttributeKeyLength: 128,
  maxAttributeValueLength: 1024,
  maxArrayValues: 32,
  maxEvents: 16,
  maxStatusMessageLength: 1024,
  /** Each of a span's input and output texts, in UTF-8 bytes. */
  maxContentBytes: 32 * 1024,
  /** The oldest span accepted, as usage events. */
  maxAgeMs: 35 * 24 * 3600 * 1000,
  maxFutureSkewMs: 5 * 60 * 1000,
} as const;

/** What a detector found wrong in a completed trace (docs/traces.md, "Failure detection"). */
export type TraceFlagType = 'error' | 'retry_storm' | 'tool_loop' | 'timeout' | 'cost_outlier' | 'runaway_context';
export const TRACE_FLAG_TYPES: readonly TraceFlagType[] = [
  'error',
  'retry_storm',
  'tool_loop',
  'timeout',
  'cost_outlier',
  'runaway_context',
];

export interface TraceFlagData {
  readonly type: TraceFlagType;
  /** The spans involved, in start order. */
  readonly spanIds: readonly string[];
  /** One sentence a person reads: what happened, with the figures. */
  readonly summary: string;
  /** The figures the detector used and its thresholds (counts, amounts as decimal strings). */
  readonly figures: Readonly<Record<string, string | number>>;
}

// ---- events (stream `ingestion.traces-<projectId>`) ----

/** One OTLP request's spans (or one part of them); ids derived from the batch id and the part. */
export interface SpansRecordedData {
  readonly batchId: string;
  readonly part: number;
  readonly organizationId: string;
  readonly projectId: string;
  readonly apiKeyId: string;
  readonly receivedAt: string;
  readonly spans: readonly SpanRecordData[];
}

/**
 * Detectors ran over traces that had no new span for the idle time. A trace evaluated again (a late span arrived)
 * takes the flags of its latest evaluation.
 */
export interface TracesEvaluatedData {
  readonly organizationId: string;
  readonly projectId: string;
  readonly evaluatedAt: string;
  readonly traces: readonly {
    readonly traceId: string;
    readonly name: string | null;
    readonly spanCount: number;
    readonly cost: MoneyAmount;
    readonly flags: readonly TraceFlagData[];
  }[];
}

// ---- queries ----

export type TraceStatus = 'ok' | 'error';

/** The traces of the context's project that started in `[from, to)`, newest first. */
export interface TracesRequest extends CostRange {
  status?: TraceStatus;
  flag?: TraceFlagType;
  userId?: string;
  sessionId?: string;
  /** `key:value`: traces with a span or model call tagged so. */
  tag?: string;
  /** Decimal string: traces that cost at least this. */
  minCost?: string;
  /** Root span name, exact. */
  name?: string;
  cursor?: string;
  /** 1 to 200; 50 when absent. */
  limit?: number;
}

export interface TraceSummary {
  traceId: string;
  /** The root span's name; null until the root span arrived. */
  name: string | null;
  startedAt: string;
  durationMs: number;
  spanCount: number;
  modelCalls: number;
  tokens: TokenTotals;
  /** Priced and explicit costs of the trace's model calls; `unpriced` counts those without a price. */
  cost: MoneyAmount;
  unpriced: number;
  status: TraceStatus;
  flags: TraceFlagType[];
  sessionId: string | null;
  userId: string | null;
  /** True once the trace had no new span for the idle time and its detectors ran. */
  complete: boolean;
}

export interface TracesPage {
  data: TraceSummary[];
  nextCursor: string | null;
}

export interface TraceRef {
  traceId: string;
}

/** The model call of a span: its usage record, priced. */
export interface SpanUsageView {
  usageEventId: string;
  provider: string;
  model: string;
  tokens: TokenTotals;
  cost: MoneyAmount | null;
  costStatus: 'priced' | 'unpriced' | 'override';
  /** The catalog or override entry that priced it. */
  priceEntryId: string | null;
}

export interface TraceSpanView {
  spanId: string;
  parentSpanId: string | null;
  /** Depth in the tree, the root (or an orphan whose parent never arrived) at 0. */
  depth: number;
  name: string;
  kind: SpanKind;
  category: SpanCategory;
  startTime: string;
  endTime: string;
  /** From the trace's start. */
  offsetMs: number;
  durationMs: number;
  status: SpanStatus;
  statusMessage: string | null;
  serviceName: string | null;
  operation: string | null;
  toolName: string | null;
  usage: SpanUsageView | null;
  /** This span's model call's cost (zero without one). */
  cost: MoneyAmount;
  /** This span's and every descendant's. */
  subtreeCost: MoneyAmount;
  attributes: Record<string, SpanAttributeValue>;
  events: SpanEventData[];
  /** The flags that name this span. */
  flags: TraceFlagType[];
  /** Only when content capture stored some for this span (and it was not erased). */
  content: { input: string | null; output: string | null; truncated: boolean } | null;
}

/** A trace with its spans in tree order (depth first, siblings by start time). */
export interface TraceView extends TraceSummary {
  spans: TraceSpanView[];
  flagDetails: TraceFlagData[];
}

export interface SessionsRequest extends CostRange {
  userId?: string;
  cursor?: string;
  /** 1 to 200; 50 when absent. */
  limit?: number;
}

export interface SessionSummary {
  sessionId: string;
  userId: string | null;
  traces: number;
  flaggedTraces: number;
  firstStartedAt: string;
  lastEndedAt: string;
  modelCalls: number;
  tokens: TokenTotals;
  cost: MoneyAmount;
}

export interface SessionsPage {
  data: SessionSummary[];
  nextCursor: string | null;
}

export interface SessionRef {
  sessionId: string;
}

export interface SessionView extends SessionSummary {
  /** Oldest first, at most 500. */
  traceList: TraceSummary[];
}
