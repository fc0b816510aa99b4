import {
  USAGE_COUNT_ALIASES,
  USAGE_COUNT_FIELDS,
  USAGE_LIMITS,
  type MoneyAmount,
  type PromptPrefix,
  type UsageCounts,
  type UsageEventInput,
  type UsageStatus,
} from './usage-event';
import type { FieldError } from '../messaging';

/** What differs between the ways in: a backfill import takes events of any age (`maxAgeMs: Infinity`). */
export interface UsageEventRules {
  maxAgeMs?: number;
}

export type UsageEventValidation = { ok: true; event: UsageEventInput } | { ok: false; errors: FieldError[] };

export interface UsageBatchValidation {
  /** The valid events with their index in the request, in request order. */
  accepted: { index: number; event: UsageEventInput }[];
  /** The invalid ones: the whole batch is not refused for them (issue 4: "the valid ones are accepted"). */
  rejected: { index: number; id?: string; errors: FieldError[] }[];
}

const EVENT_FIELDS = new Set([
  'id',
  'timestamp',
  'provider',
  'model',
  'usage',
  'latencyMs',
  'status',
  'errorType',
  'userId',
  'traceId',
  'spanId',
  'parentSpanId',
  'sessionId',
  'promptPrefix',
  'tags',
  'metadata',
  'cost',
]);
const USAGE_FIELDS = new Set<string>([...USAGE_COUNT_FIELDS, ...Object.keys(USAGE_COUNT_ALIASES)]);
const STATUSES: readonly UsageStatus[] = ['success', 'error'];

/** Visible ASCII only: ids end up in URLs, logs and CSV exports. */
const EVENT_ID = /^[\x21-\x7e]+$/;
const PROVIDER = /^[a-z0-9][a-z0-9._:/-]*$/i;
// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const CONTROL = /[\u0000-\u001f\u007f]/;
/**
 * What PostgreSQL cannot store: U+0000 (refused in `text` and in `jsonb`) and a UTF-16 surrogate without its pair
 * (JSON.stringify writes it as `\ud800`, which `jsonb` refuses; UTF-8 cannot encode it at all).
 */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this refuses
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** A character class alone, far cheaper than UNSTORABLE's look-arounds: most text has no surrogate nor U+0000 at all. */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this looks for
const SUSPECT = /[\u0000\ud800-\udfff]/;
const unstorable = (text: string): boolean => SUSPECT.test(text) && UNSTORABLE.test(text);
const UNSTORABLE_MESSAGE = 'must not contain U+0000 or an unpaired UTF-16 surrogate (they cannot be stored)';
/** Deepest nesting of `metadata` walked; deeper is refused (JSON.stringify and jsonb have limits too). */
const MAX_METADATA_DEPTH = 32;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/;
const CURRENCY = /^[A-Z]{3}$/;
const DECIMAL_AMOUNT = new RegExp(`^\\d{1,${USAGE_LIMITS.maxAmountIntegerDigits}}(\\.\\d{1,${USAGE_LIMITS.maxAmountFractionDigits}})?$`);

/**
 * Validates one usage event of `POST /v1/usage` against the contract of issue 4 and the token convention of
 * `docs/pricing.md`, and returns it normalized (`UsageEventInput`). `now` is the instant the batch was received:
 * a timestamp more than 5 minutes after it, or more than 35 days before it, is refused. Every problem is
 * reported, each with its JSON pointer under `pointer` (pass `/events/3` to get `/events/3/model`).
 *
 * Pure and dependency-free, so the gateway and the ingestion service run exactly the same rules.
 */
export function validateUsageEvent(raw: unknown, now: Date, pointer = '', rules: UsageEventRules = {}): UsageEventValidation {
  const errors: FieldError[] = [];
  const fail = (field: string, message: string) => {
    errors.push({ field: `${pointer}${field}`, message });
  };
  if (!isPlainObject(raw)) return { ok: false, errors: [{ field: pointer || '/', message: 'must be an object' }] };

  for (const key of Object.keys(raw)) if (!EVENT_FIELDS.has(key)) fail(`/${escapePointer(key)}`, 'is not a known field');

  const id = requiredString(raw.id, '/id', USAGE_LIMITS.maxIdLength, fail);
  if (id !== undefined && !EVENT_ID.test(id)) fail('/id', 'must be visible ASCII characters without spaces');
  const timestamp = checkTimestamp(raw.timestamp, now, rules.maxAgeMs ?? USAGE_LIMITS.maxAgeMs, fail);
  const provider = requiredString(raw.provider, '/provider', USAGE_LIMITS.maxProviderLength, fail);
  if (provider !== undefined && !PROVIDER.test(provider)) {
    fail('/provider', "must be letters, digits, '.', '_', ':', '/' or '-' (e.g. openai, anthropic, aws.bedrock)");
  }
  const model = requiredString(raw.model, '/model', USAGE_LIMITS.maxModelLength, fail);
  if (model !== undefined && CONTROL.test(model)) fail('/model', 'must not contain control characters');
  const usage = checkUsage(raw.usage, fail);
  // Optional: a backfill or forwarded billing data has no latency to give.
  const latencyMs = raw.latencyMs === undefined ? undefined : checkCount(raw.latencyMs, '/latencyMs', fail);
  if (latencyMs !== undefined && latencyMs > USAGE_LIMITS.maxLatencyMs) {
    fail('/latencyMs', `must be at most ${USAGE_LIMITS.maxLatencyMs} (one day, in milliseconds)`);
  }
  const status = raw.status;
  if (!STATUSES.includes(status as UsageStatus)) fail('/status', `must be one of ${STATUSES.join(', ')}`);
  const errorType = optionalString(raw.errorType, '/errorType', USAGE_LIMITS.maxStringLength, fail);
  if (errorType !== undefined && status !== 'error') fail('/errorType', 'is only allowed with status "error"');
  const userId = optionalString(raw.userId, '/userId', USAGE_LIMITS.maxStringLength, fail);
  const traceId = optionalString(raw.traceId, '/traceId', USAGE_LIMITS.maxStringLength, fail);
  const spanId = optionalString(raw.spanId, '/spanId', USAGE_LIMITS.maxStringLength, fail);
  const parentSpanId = optionalString(raw.parentSpanId, '/parentSpanId', USAGE_LIMITS.maxStringLength, fail);
  if (parentSpanId !== undefined && (traceId === undefined || spanId === undefined))
    fail('/parentSpanId', 'is only allowed with traceId and spanId');
  const sessionId = optionalString(raw.sessionId, '/sessionId', USAGE_LIMITS.maxStringLength, fail);
  const promptPrefix = checkPromptPrefix(raw.promptPrefix, fail);
  const tags = checkTags(raw.tags, fail);
  const metadata = checkMetadata(raw.metadata, fail);
  const cost = checkCost(raw.cost, fail);

  if (errors.length > 0) return { ok: false, errors };
  const event: UsageEventInput = {
    id: id!,
    timestamp: timestamp!,
    provider: provider!,
    model: model!,
    usage: usage!,
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    status: status as UsageStatus,
    ...(errorType !== undefined ? { errorType } : {}),
    ...(userId !== undefined ? { userId } : {}),
    ...(traceId !== undefined ? { traceId } : {}),
    ...(spanId !== undefined ? { spanId } : {}),
    ...(parentSpanId !== undefined ? { parentSpanId } : {}),
    ...(sessionId !== undefined ? { sessionId } : {}),
    ...(promptPrefix !== undefined ? { promptPrefix } : {}),
    tags: tags!,
    metadata: metadata!,
    ...(cost !== undefined ? { cost } : {}),
  };
  return { ok: true, event };
}

/**
 * Validates the body of `POST /v1/usage` event by event. Throws nothing: a body that is not `{ events: [...] }`
 * with 1 to 1,000 events comes back as one rejection at index -1, which the gateway answers with 400 (the byte
 * limit is the gateway's, from Content-Length, before parsing).
 */
export function validateUsageBatch(body: unknown, now: Date): UsageBatchValidation {
  const refuse = (field: string, message: string): UsageBatchValidation => ({
    accepted: [],
    rejected: [{ index: -1, errors: [{ field, message }] }],
  });
  if (!isPlainObject(body)) return refuse('/', 'must be an object with an "events" array');
  const unknown = Object.keys(body).filter((key) => key !== 'events');
  if (unknown.length > 0) return refuse(`/${escapePointer(unknown[0])}`, 'is not a known field');
  const events = body.events;
  if (!Array.isArray(events)) return refuse('/events', 'must be an array');
  if (events.length === 0) return refuse('/events', 'must contain at least one event');
  if (events.length > USAGE_LIMITS.maxEventsPerBatch) {
    return refuse('/events', `must contain at most ${USAGE_LIMITS.maxEventsPerBatch} events`);
  }
  const result: UsageBatchValidation = { accepted: [], rejected: [] };
  events.forEach((raw: unknown, index) => {
    const checked = validateUsageEvent(raw, now, `/events/${index}`);
    if (checked.ok) result.accepted.push({ index, event: checked.event });
    else {
      const id = isPlainObject(raw) && typeof raw.id === 'string' ? raw.id : undefined;
      result.rejected.push({ index, ...(id !== undefined ? { id } : {}), errors: checked.errors });
    }
  });
  return result;
}

type Fail = (field: string, message: string) => void;

function checkTimestamp(value: unknown, now: Date, maxAgeMs: number, fail: Fail): string | undefined {
  if (typeof value !== 'string') {
    fail('/timestamp', 'must be an RFC 3339 date-time string, e.g. 2025-06-01T12:00:00.000Z');
    return undefined;
  }
  const instant = parseRfc3339(value);
  if (instant === undefined) {
    fail('/timestamp', `${JSON.stringify(value)} is not an RFC 3339 date-time, e.g. 2025-06-01T12:00:00.000Z`);
    return undefined;
  }
  const skew = instant - now.getTime();
  if (skew > USAGE_LIMITS.maxFutureSkewMs) {
    fail('/timestamp', `is more than 5 minutes in the future (received at ${now.toISOString()}): check the client's clock`);
    return undefined;
  }
  if (-skew > maxAgeMs) {
    fail(
      '/timestamp',
      `is more than ${Math.round(maxAgeMs / 86_400_000)} days old (received at ${now.toISOString()}): events that old are not accepted`,
    );
    return undefined;
  }
  // Already in the form toISOString writes (what SDKs send): the same text, without building it again.
  return isCanonicalInstant(value) ? value : new Date(instant).toISOString();
}

/**
 * `YYYY-MM-DDTHH:mm:ss.sssZ` exactly, once parseRfc3339 accepted it: what `toISOString` writes for years 0 to 9999
 * (24 characters, an upper-case T at 10, a dot at 19, an upper-case Z at 23).
 */
function isCanonicalInstant(value: string): boolean {
  return value.length === 24 && value[10] === 'T' && value[19] === '.' && value[23] === 'Z';
}

/** Milliseconds since the epoch, or undefined when the text is not a real RFC 3339 instant (no 30 February). */
export function parseRfc3339(value: string): number | undefined {
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  // Date.UTC reads years 0 to 99 as 1900 to 1999: the rare instant that old is left to Date.parse.
  if (year < 100) {
    const ms = Date.parse(value.toUpperCase());
    return Number.isNaN(ms) ? undefined : ms;
  }
  // Fractions beyond the millisecond are cut, as Date.parse does (unit test: the same instant for every shape).
  const millis = m[7] === undefined ? 0 : Number((m[7].slice(1) + '00').slice(0, 3));
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
}

/** Token counts alone, by the rules of a usage event's `usage` (errors under `<pointer>/usage/...`). */
export function validateUsageCounts(
  value: unknown,
  pointer: string,
): { ok: true; usage: UsageCounts } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const usage = checkUsage(value, (field, message) => errors.push({ field: `${pointer}${field}`, message }));
  return usage && errors.length === 0 ? { ok: true, usage } : { ok: false, errors };
}

function checkUsage(value: unknown, fail: Fail): UsageCounts | undefined {
  if (!isPlainObject(value)) {
    fail('/usage', 'must be an object with at least inputTokens and outputTokens');
    return undefined;
  }
  let valid = true;
  const counts: Partial<Record<keyof UsageCounts, number>> = {};
  for (const key of Object.keys(value)) {
    if (!USAGE_FIELDS.has(key)) {
      fail(`/usage/${escapePointer(key)}`, 'is not a known token count');
      valid = false;
    }
  }
  for (const field of USAGE_COUNT_FIELDS) {
    const raw = value[field];
    if (raw === undefined || raw === null) {
      if (field === 'inputTokens' || field === 'outputTokens') {
        fail(`/usage/${field}`, 'is required');
        valid = false;
      }
      continue;
    }
    const count = checkCount(raw, `/usage/${field}`, fail);
    if (count === undefined) valid = false;
    else counts[field] = count;
  }
  for (const [alias, field] of Object.entries(USAGE_COUNT_ALIASES)) {
    const raw = value[alias];
    if (raw === undefined || raw === null) continue;
    const count = checkCount(raw, `/usage/${alias}`, fail);
    if (count === undefined) valid = false;
    else if (counts[field] !== undefined && counts[field] !== count) {
      fail(`/usage/${alias}`, `is another name for ${field}, which says ${counts[field]}`);
      valid = false;
    } else counts[field] = count;
  }
  if (!valid) return undefined;
  return checkConvention(counts as UsageCounts, fail) ? (counts as UsageCounts) : undefined;
}

/**
 * The parts never exceed their whole (`docs/pricing.md`): the same rules, in the same order and naming the same
 * field, as the pricing engine's `checkUsage`, so an event the gateway accepts can always be priced.
 */
function checkConvention(usage: UsageCounts, fail: Fail): boolean {
  const u = (field: keyof UsageCounts) => usage[field] ?? 0;
  const problems: [string, string][] = [];
  const notMore = (part: number, whole: number, field: string, wholeName: string) => {
    if (part > whole) problems.push([field, `(${part}) exceeds ${wholeName} (${whole})`]);
    return part <= whole;
  };
  notMore(u('cacheWrite1hTokens'), u('cacheWriteTokens'), 'cacheWrite1hTokens', 'cacheWriteTokens');
  notMore(u('cachedInputAudioTokens'), u('inputAudioTokens'), 'cachedInputAudioTokens', 'inputAudioTokens');
  notMore(u('cachedInputImageTokens'), u('inputImageTokens'), 'cachedInputImageTokens', 'inputImageTokens');
  const cachedMedia = u('cachedInputAudioTokens') + u('cachedInputImageTokens');
  if (cachedMedia > u('cachedInputTokens')) {
    problems.push([
      'cachedInputTokens',
      `(${u('cachedInputTokens')}) is less than cachedInputAudioTokens + cachedInputImageTokens (${cachedMedia})`,
    ]);
  }
  // Input: cached, cache-write, uncached audio and uncached image tokens are disjoint parts of inputTokens.
  const input = u('inputTokens');
  let parts = u('cachedInputTokens');
  if (notMore(parts, input, 'cachedInputTokens', 'inputTokens')) {
    parts += u('cacheWriteTokens');
    if (notMore(parts, input, 'cacheWriteTokens', 'inputTokens (with cachedInputTokens)')) {
      parts += u('inputAudioTokens') - u('cachedInputAudioTokens');
      if (notMore(parts, input, 'inputAudioTokens', 'inputTokens (with the cached and cache-write tokens)')) {
        parts += u('inputImageTokens') - u('cachedInputImageTokens');
        notMore(parts, input, 'inputImageTokens', 'inputTokens (with the other input parts)');
      }
    }
  }
  const output = u('outputTokens');
  let outputParts = u('reasoningTokens');
  if (notMore(outputParts, output, 'reasoningTokens', 'outputTokens')) {
    outputParts += u('outputAudioTokens');
    if (notMore(outputParts, output, 'outputAudioTokens', 'outputTokens (with reasoningTokens)')) {
      outputParts += u('outputImageTokens');
      notMore(outputParts, output, 'outputImageTokens', 'outputTokens (with the other output parts)');
    }
  }
  for (const [field, message] of problems) fail(`/usage/${field}`, message);
  return problems.length === 0;
}

const PREFIX_HASH = /^[0-9a-f]{64}$/;
const PREFIX_FIELDS = new Set(['hash', 'tokens', 'tools']);

/** `{ hash, tokens, tools? }`: a SHA-256 in lowercase hex and two counts. */
function checkPromptPrefix(value: unknown, fail: Fail): PromptPrefix | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) {
    fail('/promptPrefix', 'must be an object { hash, tokens, tools? }');
    return undefined;
  }
  let valid = true;
  const problem = (field: string, message: string) => {
    valid = false;
    fail(field, message);
  };
  for (const key of Object.keys(value)) if (!PREFIX_FIELDS.has(key)) problem(`/promptPrefix/${escapePointer(key)}`, 'is not a known field');
  if (typeof value.hash !== 'string' || !PREFIX_HASH.test(value.hash))
    problem('/promptPrefix/hash', 'must be 64 lowercase hexadecimal characters (a SHA-256)');
  const tokens = checkCount(value.tokens, '/promptPrefix/tokens', problem);
  if (tokens !== undefined && tokens > USAGE_LIMITS.maxPromptPrefixTokens) {
    problem('/promptPrefix/tokens', `must be at most ${USAGE_LIMITS.maxPromptPrefixTokens}`);
  }
  const tools = value.tools === undefined ? 0 : checkCount(value.tools, '/promptPrefix/tools', problem);
  if (tools !== undefined && tools > USAGE_LIMITS.maxPromptPrefixTools)
    problem('/promptPrefix/tools', `must be at most ${USAGE_LIMITS.maxPromptPrefixTools}`);
  return valid ? { hash: value.hash as string, tokens: tokens!, tools: tools! } : undefined;
}

function checkCount(value: unknown, field: string, fail: Fail): number | undefined {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    fail(field, 'must be a non-negative integer');
    return undefined;
  }
  return value;
}

function requiredString(value: unknown, field: string, maxLength: number, fail: Fail): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') {
    fail(field, 'must be a non-empty string');
    return undefined;
  }
  if (value.length > maxLength) {
    fail(field, `must be at most ${maxLength} characters`);
    return undefined;
  }
  if (unstorable(value)) {
    fail(field, UNSTORABLE_MESSAGE);
    return undefined;
  }
  return value;
}

/** True when PostgreSQL can store the text as it is (in `text` and inside `jsonb`). */
export function isStorableText(text: string): boolean {
  return !unstorable(text);
}

/** Absent and `null` both mean "not set": JSON clients send either. */
function optionalString(value: unknown, field: string, maxLength: number, fail: Fail): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = requiredString(value, field, maxLength, fail);
  if (text !== undefined && CONTROL.test(text)) {
    fail(field, 'must not contain control characters');
    return undefined;
  }
  return text;
}

function checkTags(value: unknown, fail: Fail): Record<string, string> | undefined {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) {
    fail('/tags', 'must be an object of string values');
    return undefined;
  }
  const entries = Object.entries(value);
  if (entries.length > USAGE_LIMITS.maxTags) {
    fail('/tags', `must have at most ${USAGE_LIMITS.maxTags} tags`);
    return undefined;
  }
  let valid = true;
  for (const [key, tagValue] of entries) {
    // Built only for a problem: most tags have none.
    const field = () => `/tags/${escapePointer(key)}`;
    if (unstorable(key) || (typeof tagValue === 'string' && unstorable(tagValue))) {
      fail(field(), UNSTORABLE_MESSAGE);
      valid = false;
    } else if (key.length === 0 || key.length > USAGE_LIMITS.maxTagKeyLength || CONTROL.test(key)) {
      fail(field(), `tag names must be 1 to ${USAGE_LIMITS.maxTagKeyLength} characters without control characters`);
      valid = false;
    } else if (typeof tagValue !== 'string') {
      fail(field(), 'must be a string');
      valid = false;
    } else if (tagValue.length > USAGE_LIMITS.maxTagValueLength || CONTROL.test(tagValue)) {
      fail(field(), `must be at most ${USAGE_LIMITS.maxTagValueLength} characters without control characters`);
      valid = false;
    }
  }
  return valid ? (value as Record<string, string>) : undefined;
}

function checkMetadata(value: unknown, fail: Fail): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) {
    fail('/metadata', 'must be an object');
    return undefined;
  }
  // The paths are built only when something is wrong: walking without them is what nearly every event needs.
  if (!storable(value, 0)) {
    for (const [field, message] of unstorablePaths(value, '/metadata', 0)) fail(field, message);
    return undefined;
  }
  const json = JSON.stringify(value);
  // A UTF-16 code unit is at most 3 bytes of UTF-8: short enough text needs no encoding to be known small enough.
  const bytes = json.length * 3 <= USAGE_LIMITS.maxMetadataBytes ? json.length : UTF8.encode(json).length;
  if (bytes > USAGE_LIMITS.maxMetadataBytes) {
    fail('/metadata', `must be at most ${USAGE_LIMITS.maxMetadataBytes} bytes as JSON (it is ${bytes})`);
    return undefined;
  }
  return value;
}

const UTF8 = new TextEncoder();

/** False when `unstorablePaths` would find something: the same walk, without a path or an array built. */
function storable(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return !unstorable(value);
  if (typeof value !== 'object' || value === null) return true;
  if (depth >= MAX_METADATA_DEPTH) return false;
  if (Array.isArray(value)) return value.every((item) => storable(item, depth + 1));
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    if (unstorable(key) || !storable((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

/** Every key or string value of a JSON value that PostgreSQL's `jsonb` would refuse, with its pointer. */
function unstorablePaths(value: unknown, pointer: string, depth: number): [string, string][] {
  if (typeof value === 'string') return unstorable(value) ? [[pointer, UNSTORABLE_MESSAGE]] : [];
  if (typeof value !== 'object' || value === null) return [];
  if (depth >= MAX_METADATA_DEPTH) return [[pointer, `must nest at most ${MAX_METADATA_DEPTH} levels deep`]];
  const found: [string, string][] = [];
  if (Array.isArray(value)) {
    value.forEach((item, i) => found.push(...unstorablePaths(item, `${pointer}/${i}`, depth + 1)));
    return found;
  }
  for (const [key, item] of Object.entries(value)) {
    const path = `${pointer}/${escapePointer(key)}`;
    if (unstorable(key)) found.push([path, `the key ${UNSTORABLE_MESSAGE}`]);
    else found.push(...unstorablePaths(item, path, depth + 1));
  }
  return found;
}

function checkCost(value: unknown, fail: Fail): MoneyAmount | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) {
    fail('/cost', 'must be an object { amount, currency }');
    return undefined;
  }
  let valid = true;
  for (const key of Object.keys(value)) {
    if (key !== 'amount' && key !== 'currency') {
      fail(`/cost/${escapePointer(key)}`, 'is not a known field');
      valid = false;
    }
  }
  const { amount, currency } = value;
  if (typeof amount !== 'string' || !DECIMAL_AMOUNT.test(amount)) {
    fail(
      '/cost/amount',
      `must be a non-negative decimal string with at most ${USAGE_LIMITS.maxAmountFractionDigits} decimals, e.g. "0.0123"`,
    );
    valid = false;
  }
  if (typeof currency !== 'string' || !CURRENCY.test(currency)) {
    fail('/cost/currency', 'must be an ISO 4217 currency code, e.g. USD');
    valid = false;
  } else if (currency !== 'USD') {
    fail('/cost/currency', 'must be USD: costs are accounted in US dollars');
    valid = false;
  }
  return valid ? { amount: amount as string, currency: 'USD' } : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 6901: `~` and `/` inside a key are escaped so the pointer still names it. */
function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
