import { createHash } from 'node:crypto';
import {
  SPAN_CATEGORIES,
  SPAN_KINDS,
  TRACE_LIMITS,
  USAGE_LIMITS,
  validateUsageEvent,
  type FieldError,
  type SpanAttributeValue,
  type SpanCategory,
  type SpanContentInput,
  type SpanEventData,
  type SpanGenAiData,
  type SpanInput,
  type SpanKind,
  type SpanStatus,
  type UsageEventInput,
} from '@llmlab/contracts';
import { genAiUsage, type GenAiUsage } from './genai-usage';

/**
 * Reads an OTLP trace export (decoded from protobuf, or parsed OTLP/JSON: the same lowerCamelCase shape, ids as
 * bytes or hex) into the spans the platform keeps and the usage events of the spans that carry GenAI token counts.
 * A span that breaks a rule is rejected whole (named in `rejected`, its path as OTLP/JSON spells it); the others
 * are accepted. Never throws on content: only a body that is not an export at all is the caller's 400.
 */

export interface OtlpSpansRead {
  spans: SpanInput[];
  /** One per accepted span with token counts, in the spans' order. */
  usageEvents: UsageEventInput[];
  rejected: FieldError[];
  /** Spans in the export, accepted or not. */
  total: number;
}

type Attributes = Map<string, SpanAttributeValue>;
type Raw = Record<string, unknown>;

/** `gen_ai.*` attributes that hold prompt or completion text: content, never attributes. */
const INPUT_CONTENT_KEYS = ['gen_ai.input.messages', 'gen_ai.system_instructions', 'gen_ai.prompt'];
const OUTPUT_CONTENT_KEYS = ['gen_ai.output.messages', 'gen_ai.completion'];
/** Span events of the older conventions that carry content in their attributes. */
const INPUT_CONTENT_EVENTS = new Set([
  'gen_ai.content.prompt',
  'gen_ai.system.message',
  'gen_ai.user.message',
  'gen_ai.assistant.message',
  'gen_ai.tool.message',
]);
const OUTPUT_CONTENT_EVENTS = new Set(['gen_ai.content.completion', 'gen_ai.choice']);
const CONTENT_PREFIXES = ['gen_ai.prompt.', 'gen_ai.completion.'];

const STATUS_CODES: Record<number, SpanStatus> = { 0: 'unset', 1: 'ok', 2: 'error' };
const KIND_NAMES: Record<string, SpanKind> = {
  SPAN_KIND_INTERNAL: 'internal',
  SPAN_KIND_SERVER: 'server',
  SPAN_KIND_CLIENT: 'client',
  SPAN_KIND_PRODUCER: 'producer',
  SPAN_KIND_CONSUMER: 'consumer',
};
const STATUS_NAMES: Record<string, SpanStatus> = { STATUS_CODE_UNSET: 'unset', STATUS_CODE_OK: 'ok', STATUS_CODE_ERROR: 'error' };

const LLM_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content']);
const AGENT_OPERATIONS = new Set(['invoke_agent', 'create_agent']);

const HEX_TRACE_ID = /^[0-9a-fA-F]{32}$/;
const HEX_SPAN_ID = /^[0-9a-fA-F]{16}$/;
const ZERO = /^0+$/;
const TAG_PREFIX = 'llmlab.tag.';
const PROMPT_PREFIX = 'llmlab.prompt_prefix.';
/** The category a sender states outright (the SDK's `span(name, fn, { category })`); conventions cannot say `retrieval` of any span. */
const CATEGORY_KEY = 'llmlab.span.category';

class SpanRejected extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export function readOtlpSpans(body: unknown, receivedAt: Date): OtlpSpansRead {
  const out: OtlpSpansRead = { spans: [], usageEvents: [], rejected: [], total: 0 };
  const resourceSpans = listAt(body, 'resourceSpans', '');
  resourceSpans.forEach((rs, r) => {
    const resourcePath = `/resourceSpans/${r}`;
    const resource = flatten(listAt(objectAt(rs, 'resource'), 'attributes', `${resourcePath}/resource`));
    listAt(rs, 'scopeSpans', resourcePath).forEach((ss, s) => {
      const scopePath = `${resourcePath}/scopeSpans/${s}`;
      listAt(ss, 'spans', scopePath).forEach((raw, i) => {
        out.total += 1;
        const path = `${scopePath}/spans/${i}`;
        try {
          const { span, usage } = readSpan(raw, resource, path, receivedAt);
          out.spans.push(span);
          if (usage) out.usageEvents.push(usage);
        } catch (error) {
          if (!(error instanceof SpanRejected)) throw error;
          out.rejected.push({ field: `${path}${error.field}`, message: error.message });
        }
      });
    });
  });
  return out;
}

/** A body that is not an export (`resourceSpans` not a list, a span not an object) is not a span to reject. */
export class OtlpShapeError extends Error {}

function readSpan(raw: unknown, resource: Attributes, path: string, receivedAt: Date): { span: SpanInput; usage?: UsageEventInput } {
  if (!isObject(raw)) throw new OtlpShapeError(`${path}: must be an object`);
  const traceId = readId(raw.traceId, HEX_TRACE_ID, 16, '/traceId', true)!;
  const spanId = readId(raw.spanId, HEX_SPAN_ID, 8, '/spanId', true)!;
  const parentSpanId = readId(raw.parentSpanId, HEX_SPAN_ID, 8, '/parentSpanId', false);
  const name = typeof raw.name === 'string' ? raw.name.slice(0, TRACE_LIMITS.maxNameLength) : '';
  if (name.trim() === '') throw new SpanRejected('/name', 'is required');
  const start = readNanos(raw.startTimeUnixNano, '/startTimeUnixNano');
  const end = readNanos(raw.endTimeUnixNano, '/endTimeUnixNano');
  if (end < start) throw new SpanRejected('/endTimeUnixNano', 'must not be before startTimeUnixNano');
  const endMs = Number(end / 1_000_000n);
  if (endMs < receivedAt.getTime() - TRACE_LIMITS.maxAgeMs)
    throw new SpanRejected('/endTimeUnixNano', `must be within the last ${TRACE_LIMITS.maxAgeMs / 86_400_000} days`);
  if (endMs > receivedAt.getTime() + TRACE_LIMITS.maxFutureSkewMs) throw new SpanRejected('/endTimeUnixNano', 'is in the future');

  const attributes = flatten(listAt(raw, 'attributes', path));
  const events = listAt(raw, 'events', path).map((e, n) => readEvent(e, `/events/${n}`));
  const content = readContent(attributes, events);
  const status = readStatus(raw.status);
  const exception = events.find((e) => e.name === 'exception');
  const statusMessage =
    nonEmpty(isObject(raw.status) ? raw.status.message : undefined) ??
    (status === 'error' ? nonEmpty(exception?.attributes['exception.message']) : undefined);

  const usage = genAiUsage(attributes, (field, message) => new SpanRejected(`/attributes/${field}`, message));
  const genAi = readGenAi(attributes, usage);
  const category = categoryOf(attributes, genAi, usage);
  const sessionId = idOf(attributes, resource, ['session.id', 'gen_ai.conversation.id'], 'session.id');
  const userId = idOf(attributes, resource, ['user.id', 'enduser.id'], 'user.id');
  const tags = readTags(attributes, resource);
  const kept = boundAttributes(attributes);

  const spanCore = {
    traceId,
    spanId,
    ...(parentSpanId !== undefined ? { parentSpanId } : {}),
    name,
    kind: readKind(raw.kind),
    category,
    startTime: isoMicros(start),
    endTime: isoMicros(end),
    status,
    ...(statusMessage !== undefined ? { statusMessage: statusMessage.slice(0, TRACE_LIMITS.maxStatusMessageLength) } : {}),
    ...optional('serviceName', text(resource, 'service.name')),
    ...optional('sessionId', sessionId),
    ...optional('userId', userId),
    tags,
    attributes: kept,
    events: events.slice(0, TRACE_LIMITS.maxEvents).map(boundEvent),
  };

  let usageEvent: UsageEventInput | undefined;
  if (usage) {
    const id = `otel:${traceId}:${spanId}`;
    const checked = validateUsageEvent(
      {
        id,
        timestamp: new Date(endMs).toISOString(),
        provider: genAi?.provider,
        model: genAi?.responseModel ?? genAi?.requestModel,
        usage: usage.counts,
        latencyMs: Math.min(Math.round(Number(end - start) / 1e6), 24 * 3600 * 1000),
        status: status === 'error' ? 'error' : 'success',
        ...(status === 'error' ? optional('errorType', text(attributes, 'error.type')) : {}),
        ...optional('userId', userId),
        traceId,
        spanId,
        ...(parentSpanId !== undefined ? { parentSpanId } : {}),
        ...optional('sessionId', sessionId),
        ...promptPrefixOf(attributes),
        tags,
        metadata: { source: 'otlp' },
      },
      receivedAt,
    );
    if (!checked.ok) {
      const first = checked.errors[0];
      throw new SpanRejected(usageFieldPath(first.field), first.message);
    }
    usageEvent = checked.event;
  }
  const span: SpanInput = {
    ...spanCore,
    ...(genAi ? { genAi: usageEvent ? { ...genAi, usageEventId: usageEvent.id } : genAi } : {}),
    ...(content ? { content } : {}),
  };
  return { span, ...(usageEvent ? { usage: usageEvent } : {}) };
}

/** Where the span's attribute behind a usage event's field is, for the rejection message. */
function usageFieldPath(field: string): string {
  if (field === '/provider') return '/attributes/gen_ai.provider.name';
  if (field === '/model') return '/attributes/gen_ai.response.model';
  if (field.startsWith('/usage')) return '/attributes/gen_ai.usage';
  if (field === '/timestamp') return '/endTimeUnixNano';
  if (field.startsWith('/promptPrefix/')) return `/attributes/${PROMPT_PREFIX}${field.slice('/promptPrefix/'.length)}`;
  if (field === '/promptPrefix') return `/attributes/${PROMPT_PREFIX}hash`;
  if (field === '/tags' || field.startsWith('/tags/')) return `/attributes/${TAG_PREFIX}${field.slice('/tags/'.length)}`;
  return '/attributes';
}

/**
 * The prompt-prefix fingerprint as span attributes (`llmlab.prompt_prefix.hash`, `.tokens`, `.tools`: what the SDK
 * computes, docs/ingestion.md), handed to the usage event's validation as they are.
 */
function promptPrefixOf(attributes: Attributes): { promptPrefix?: Record<string, unknown> } {
  const hash = attributes.get(`${PROMPT_PREFIX}hash`);
  if (hash === undefined) return {};
  const tools = attributes.get(`${PROMPT_PREFIX}tools`);
  return { promptPrefix: { hash, tokens: attributes.get(`${PROMPT_PREFIX}tokens`), ...(tools !== undefined ? { tools } : {}) } };
}

function readGenAi(attributes: Attributes, usage: GenAiUsage | undefined): SpanGenAiData | undefined {
  const toolArguments = attributes.get('gen_ai.tool.call.arguments');
  const genAi: SpanGenAiData = {
    ...optional('operation', text(attributes, 'gen_ai.operation.name')),
    ...optional('provider', text(attributes, 'gen_ai.provider.name') ?? text(attributes, 'gen_ai.system')),
    ...optional('requestModel', text(attributes, 'gen_ai.request.model')),
    ...optional('responseModel', text(attributes, 'gen_ai.response.model')),
    ...optional('toolName', text(attributes, 'gen_ai.tool.name')),
    ...(toolArguments !== undefined
      ? {
          toolArgumentsHash: createHash('sha256')
            .update(typeof toolArguments === 'string' ? toolArguments : JSON.stringify(toolArguments))
            .digest('hex'),
        }
      : {}),
    ...(usage ? { usage: usage.counts } : {}),
  };
  return Object.keys(genAi).length > 0 ? genAi : undefined;
}

function categoryOf(attributes: Attributes, genAi: SpanGenAiData | undefined, usage: GenAiUsage | undefined): SpanCategory {
  const stated = attributes.get(CATEGORY_KEY);
  if (SPAN_CATEGORIES.includes(stated as SpanCategory)) return stated as SpanCategory;
  const operation = genAi?.operation;
  if (operation === 'embeddings') return 'embedding';
  if (operation === 'execute_tool') return 'tool';
  if (operation !== undefined && AGENT_OPERATIONS.has(operation)) return 'agent';
  if ((operation !== undefined && LLM_OPERATIONS.has(operation)) || usage) return 'llm';
  if (attributes.has('db.system') || attributes.has('db.system.name') || attributes.has('db.operation.name')) return 'retrieval';
  if (attributes.has('http.request.method') || attributes.has('http.method')) return 'http';
  return 'other';
}

/** Text held by the span's content attributes and events, cut to the limit; the attributes are removed. */
function readContent(attributes: Attributes, events: SpanEventData[]): SpanContentInput | undefined {
  const inputs: string[] = [];
  const outputs: string[] = [];
  for (const key of [...attributes.keys()]) {
    const isInput = INPUT_CONTENT_KEYS.includes(key) || key.startsWith(CONTENT_PREFIXES[0]);
    const isOutput = OUTPUT_CONTENT_KEYS.includes(key) || key.startsWith(CONTENT_PREFIXES[1]);
    if (!isInput && !isOutput) continue;
    const value = attributes.get(key)!;
    (isInput ? inputs : outputs).push(typeof value === 'string' ? value : JSON.stringify(value));
    attributes.delete(key);
  }
  for (let n = events.length - 1; n >= 0; n -= 1) {
    const event = events[n];
    const isInput = INPUT_CONTENT_EVENTS.has(event.name);
    if (!isInput && !OUTPUT_CONTENT_EVENTS.has(event.name)) continue;
    (isInput ? inputs : outputs).unshift(JSON.stringify(event.attributes));
    events.splice(n, 1);
  }
  if (inputs.length === 0 && outputs.length === 0) return undefined;
  const input = inputs.length > 0 ? cut(inputs.join('\n')) : undefined;
  const output = outputs.length > 0 ? cut(outputs.join('\n')) : undefined;
  return {
    ...(input ? { input: input.text } : {}),
    ...(output ? { output: output.text } : {}),
    truncated: Boolean(input?.cut || output?.cut),
  };
}

/** Cut to `maxContentBytes` of UTF-8 without splitting a character. */
function cut(value: string): { text: string; cut: boolean } {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length <= TRACE_LIMITS.maxContentBytes) return { text: value, cut: false };
  let end = TRACE_LIMITS.maxContentBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end -= 1;
  return { text: bytes.subarray(0, end).toString('utf8'), cut: true };
}

function readTags(attributes: Attributes, resource: Attributes): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const source of [resource, attributes]) {
    for (const [key, value] of source) {
      if (!key.startsWith(TAG_PREFIX) || typeof value !== 'string') continue;
      tags[key.slice(TAG_PREFIX.length)] = value;
    }
  }
  return tags;
}

/** At most `maxAttributes` attributes, values cut; how many were dropped (here or by the sender) is kept. */
function boundAttributes(attributes: Attributes): Record<string, SpanAttributeValue> {
  const kept: Record<string, SpanAttributeValue> = {};
  let dropped = 0;
  for (const [key, value] of attributes) {
    if (key.startsWith(TAG_PREFIX)) continue;
    if (Object.keys(kept).length >= TRACE_LIMITS.maxAttributes - 1 || key.length > TRACE_LIMITS.maxAttributeKeyLength) {
      dropped += 1;
      continue;
    }
    kept[key] = boundValue(value);
  }
  if (dropped > 0) kept['llmlab.dropped_attributes'] = dropped;
  return kept;
}

function boundValue(value: SpanAttributeValue): SpanAttributeValue {
  if (typeof value === 'string') return value.slice(0, TRACE_LIMITS.maxAttributeValueLength);
  if (Array.isArray(value))
    return value
      .slice(0, TRACE_LIMITS.maxArrayValues)
      .map((v: string | number | boolean) => (typeof v === 'string' ? v.slice(0, TRACE_LIMITS.maxAttributeValueLength) : v));
  return value;
}

function boundEvent(event: SpanEventData): SpanEventData {
  return {
    name: event.name.slice(0, TRACE_LIMITS.maxNameLength),
    time: event.time,
    attributes: boundAttributes(new Map(Object.entries(event.attributes))),
  };
}

function readEvent(raw: unknown, field: string): SpanEventData {
  if (!isObject(raw)) throw new SpanRejected(field, 'must be an object');
  const name = typeof raw.name === 'string' ? raw.name : '';
  const time = readNanos(raw.timeUnixNano, `${field}/timeUnixNano`);
  return { name, time: isoMicros(time), attributes: Object.fromEntries(flatten(listAt(raw, 'attributes', field))) };
}

function readStatus(raw: unknown): SpanStatus {
  if (!isObject(raw) || raw.code === undefined || raw.code === null) return 'unset';
  const code = raw.code;
  const status = typeof code === 'number' ? STATUS_CODES[code] : typeof code === 'string' ? STATUS_NAMES[code] : undefined;
  if (!status) throw new SpanRejected('/status/code', 'must be 0 (unset), 1 (ok) or 2 (error)');
  return status;
}

function readKind(raw: unknown): SpanKind {
  if (typeof raw === 'number') return raw >= 1 && raw <= 5 ? SPAN_KINDS[raw - 1] : 'internal';
  if (typeof raw === 'string') return KIND_NAMES[raw] ?? 'internal';
  return 'internal';
}

/** Bytes (protobuf) or hex (OTLP/JSON) to lowercase hex; all-zero ids are invalid ones per the specification. */
function readId(raw: unknown, hex: RegExp, bytes: number, field: string, required: boolean): string | undefined {
  if (raw === undefined || raw === null || raw === '' || (raw instanceof Uint8Array && raw.length === 0)) {
    if (required) throw new SpanRejected(field, 'is required');
    return undefined;
  }
  let id: string | undefined;
  if (raw instanceof Uint8Array) id = raw.length === bytes ? Buffer.from(raw).toString('hex') : undefined;
  else if (typeof raw === 'string' && hex.test(raw)) id = raw.toLowerCase();
  if (id === undefined) throw new SpanRejected(field, `must be ${bytes * 2} hexadecimal characters (${bytes} bytes)`);
  if (ZERO.test(id)) throw new SpanRejected(field, 'must not be all zeros');
  return id;
}

function readNanos(raw: unknown, field: string): bigint {
  let value: bigint | undefined;
  if (typeof raw === 'string' && /^\d{1,20}$/.test(raw)) value = BigInt(raw);
  else if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) value = BigInt(raw);
  if (value === undefined || value === 0n) throw new SpanRejected(field, 'must be a positive integer (nanoseconds since the epoch)');
  return value;
}

/** RFC 3339 UTC with microseconds: PostgreSQL keeps them, JavaScript dates would not. */
function isoMicros(nanos: bigint): string {
  const iso = new Date(Number(nanos / 1_000_000n)).toISOString();
  const micros = String((nanos / 1000n) % 1000n).padStart(3, '0');
  return `${iso.slice(0, -1)}${micros}Z`;
}

/** OTLP KeyValue lists to one map; AnyValue flattened (`SpanAttributeValue`). Later keys win, as in the SDKs. */
function flatten(list: unknown[]): Attributes {
  const map: Attributes = new Map();
  for (const kv of list) {
    if (!isObject(kv) || typeof kv.key !== 'string' || kv.key === '') continue;
    const value = anyValue(kv.value);
    if (value !== undefined) map.set(kv.key, value);
  }
  return map;
}

function anyValue(raw: unknown): SpanAttributeValue | undefined {
  if (!isObject(raw)) return undefined;
  if (typeof raw.stringValue === 'string') return raw.stringValue;
  if (typeof raw.boolValue === 'boolean') return raw.boolValue;
  if (raw.intValue !== undefined && raw.intValue !== null) {
    const n = Number(raw.intValue);
    return Number.isSafeInteger(n) ? n : String(raw.intValue);
  }
  if (raw.doubleValue !== undefined && raw.doubleValue !== null) {
    const n = Number(raw.doubleValue);
    return Number.isFinite(n) ? n : String(raw.doubleValue);
  }
  if (raw.bytesValue instanceof Uint8Array) return Buffer.from(raw.bytesValue).toString('base64');
  if (typeof raw.bytesValue === 'string') return raw.bytesValue;
  if (isObject(raw.arrayValue)) {
    const values = Array.isArray(raw.arrayValue.values) ? raw.arrayValue.values : [];
    return values.map((v) => {
      const item = anyValue(v);
      return item === undefined || Array.isArray(item) ? JSON.stringify(item ?? null) : (item as string | number | boolean);
    });
  }
  if (isObject(raw.kvlistValue)) {
    const entries = Array.isArray(raw.kvlistValue.values) ? raw.kvlistValue.values : [];
    return JSON.stringify(Object.fromEntries(flatten(entries)));
  }
  return undefined;
}

/**
 * A session or end-user id: the first of the span's keys present, else the resource's key. One longer than a usage
 * event's (USAGE_LIMITS.maxStringLength) refuses the span, with usage or without: an end user's captured text is
 * erased by that id, named in a path parameter that cannot be longer (http/router-errors.ts).
 */
function idOf(attributes: Attributes, resource: Attributes, keys: string[], resourceKey: string): string | undefined {
  const max = USAGE_LIMITS.maxStringLength;
  for (const key of keys) {
    const value = text(attributes, key);
    if (value !== undefined && value.length > max) throw new SpanRejected(`/attributes/${key}`, `must be at most ${max} characters`);
    if (value !== undefined) return value;
  }
  const value = text(resource, resourceKey);
  if (value !== undefined && value.length > max) {
    throw new SpanRejected('', `the resource attribute ${resourceKey} must be at most ${max} characters`);
  }
  return value;
}

function text(attributes: Attributes, key: string): string | undefined {
  return nonEmpty(attributes.get(key));
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value !== undefined ? ({ [key]: value } as Record<K, string>) : {};
}

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function objectAt(value: unknown, key: string): unknown {
  return isObject(value) ? value[key] : undefined;
}

/** A repeated field: absent is empty, anything but a list is not OTLP. */
function listAt(value: unknown, key: string, path: string): unknown[] {
  const list = objectAt(value, key);
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new OtlpShapeError(`${path}/${key}: must be a list`);
  return list;
}
