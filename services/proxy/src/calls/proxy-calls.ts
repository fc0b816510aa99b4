import { once } from 'node:events';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import type { ApiKeyAuthenticator, RateLimiter } from '@llmlab/api-keys';
import { PROXY_PATH_PREFIXES, proxyFormatOf, scopesAllow, validateUsageEvent, type UsageEventInput } from '@llmlab/contracts';
import type { UsageOwner, UsageRecorder } from '../recording/usage-recorder';
import { SpoolFullError } from '../recording/usage-spool';
import { SseParser } from '../translation/sse.parser';
import { encodeSse } from '../translation/sse.writer';
import type { BudgetGuard, GuardResult, Hold } from '../budgets/budget-guard';
import type { StoredUpstream, StoredUpstreamResult, StoredUpstreams } from '../provider-keys/stored-upstreams';
import type { StoredRoute, StoredRoutes } from '../routes/stored-routes';
import { cacheKey, type ResponseCache } from '../cache/response-cache';
import type { CallPricer } from './call-pricer';
import {
  callWithFallbacks,
  upstreamTarget,
  UpstreamCancelled,
  UpstreamUnavailable,
  type UpstreamBreakers,
  type UpstreamRetryOptions,
  type UpstreamTarget,
} from '../upstream';
import {
  callAnnotations,
  callerCredentials,
  downstreamHeaders,
  providerKeyHeader,
  upstreamHeaders,
  type CallAnnotations,
} from './call-headers';
import { sendProviderError } from './provider-errors';
import { UpstreamError, upstreamRequest } from './upstream-request';
import { usageReaderFor, type UsageReader, type WireFormat } from './usage-reader';

/** What the data path works with, besides its settings. */
export interface ProxyCallsDeps {
  authenticator: ApiKeyAuthenticator;
  recorder: UsageRecorder;
  storedUpstreams: StoredUpstreams;
  routes: StoredRoutes;
  budgets: BudgetGuard;
  limiter: RateLimiter;
  cache: ResponseCache;
  pricer: CallPricer;
}

export interface ProxyCallsOptions {
  openaiBaseUrl: string;
  anthropicBaseUrl: string;
  upstreamTimeoutMs: number;
  maxBodyBytes: number;
  /** Calls per hour of an LLMLab key, unless its organization has its own (`RATE_LIMIT_INGEST_PER_HOUR`). */
  ingestPerHour: number;
  /** A routed call's retries, and the breakers of its targets. */
  retries: UpstreamRetryOptions;
  breakers: UpstreamBreakers;
}

/** How much of a plain (non-stream) answer is kept to read its usage; the caller gets all of it regardless. */
const MAX_READ_BYTES = 16 << 20;

/**
 * The proxy's data path, one HTTP call at a time: authenticates the caller's LLMLab key, forwards the call to the
 * provider with the caller's own provider key, sends the answer back as it arrives (a stream chunk by chunk), reads
 * the model and usage off it on the way, and records the call on the ingest path without making the caller wait
 * (the recorder's spool is the point of durability). A call that fails upstream is recorded as an error with its
 * status. The provider key is the caller's own, passed through, or the project's stored one (a caller that sent its
 * LLMLab key in place of the provider key). Routes, fallbacks, budgets and the cache come with issue 16's next parts.
 */
export class ProxyCalls {
  private inFlight = new Set<Promise<void>>();

  constructor(
    private readonly deps: ProxyCallsDeps,
    private readonly options: ProxyCallsOptions,
    private readonly logger: Logger,
  ) {}

  handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const call = this.call(req, res).catch((err: Error) => {
      this.logger.error({ err: err.message }, 'proxied call failed');
      sendProviderError(res, proxyFormatOf(req.url ?? '') ?? 'openai', 'internal', 'the proxy failed on this call');
    });
    this.inFlight.add(call);
    void call.finally(() => this.inFlight.delete(call));
    return call;
  }

  /** Resolves once every call under way has ended. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async call(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = new Date();
    const url = req.url ?? '/';
    const format = proxyFormatOf(url)!;
    const rest = url.slice(PROXY_PATH_PREFIXES[format].length);
    const path = rest.split('?')[0];

    const credentials = callerCredentials(format, req.headers);
    if (!credentials.llmlabKey) {
      return sendProviderError(
        res,
        format,
        'authentication',
        'an LLMLab API key is required (X-LLMLab-Key, or in place of the provider key)',
        'X-LLMLab-Key',
      );
    }
    const correlationId = uuidv7();
    let key: Awaited<ReturnType<ApiKeyAuthenticator['authenticate']>>;
    try {
      key = await this.deps.authenticator.authenticate(credentials.llmlabKey, correlationId, async () => undefined);
    } catch (err) {
      // The auth service did not answer (down, or NATS cut off): the call cannot be attributed, so it is not made.
      this.logger.warn({ err: (err as Error).message }, 'API key lookup failed');
      return sendProviderError(res, format, 'unavailable', 'the LLMLab API key cannot be checked now', 'X-LLMLab-Key');
    }
    if (!key) return sendProviderError(res, format, 'authentication', 'the LLMLab API key is not valid', 'X-LLMLab-Key');
    if (!scopesAllow(key.scopes, 'ingest')) {
      return sendProviderError(res, format, 'permission', 'the LLMLab API key needs the ingest scope to record usage', 'X-LLMLab-Key');
    }
    // The same hourly budget of calls as the key's `POST /v1/usage`: one bucket, whichever way the usage comes in.
    const perHour = key.rateLimits.ingestPerHour ?? this.options.ingestPerHour;
    const rate = await this.deps.limiter.hit(`ingest:key:${key.id}`, perHour);
    if (!rate.allowed) {
      return sendProviderError(
        res,
        format,
        'rate_limited',
        `rate limit of ${perHour} calls per hour exceeded for this LLMLab key; retry in ${rate.resetSeconds} s`,
        undefined,
        undefined,
        { 'retry-after': String(rate.resetSeconds), 'x-ratelimit-limit': String(perHour), 'x-ratelimit-remaining': '0' },
      );
    }
    let stored: StoredUpstream | undefined;
    if (!credentials.ownProviderKey) {
      let found: StoredUpstreamResult;
      try {
        found = await this.deps.storedUpstreams.resolve(key.projectId, format);
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'stored provider key lookup failed');
        return sendProviderError(res, format, 'unavailable', "the project's stored provider key cannot be read now");
      }
      if (!found.found) {
        return sendProviderError(
          res,
          format,
          'authentication',
          `this project has no stored ${format} key: store one (POST /v1/projects/{projectId}/provider-keys), or send your provider key in its usual header and your LLMLab key in X-LLMLab-Key`,
          'X-LLMLab-Key',
        );
      }
      if ('refused' in found) {
        return sendProviderError(res, format, 'upstream_unreachable', `the stored baseUrl may not be called now: ${found.refused}`);
      }
      stored = found.upstream;
    }
    if (!this.deps.recorder.hasRoom()) {
      return sendProviderError(res, format, 'unavailable', 'usage cannot be recorded now (the spool is full): the call was not forwarded');
    }
    const annotations = callAnnotations(req.headers);
    if (!annotations.ok) return sendProviderError(res, format, 'invalid_request', annotations.message, annotations.header);
    const owner: UsageOwner = { organizationId: key.organizationId, projectId: key.projectId, apiKeyId: key.id, correlationId };

    const body = await readBody(req, this.options.maxBodyBytes);
    if (body === 'too large')
      return sendProviderError(res, format, 'too_large', `the request body exceeds ${this.options.maxBodyBytes} bytes`);
    const reader = usageReaderFor(format, path);
    let forwarded: Buffer | undefined = body.length > 0 ? body : undefined;
    let requestModel: string | undefined;
    let streamed = false;
    let parsed: Record<string, unknown> | undefined;
    let prepared: Record<string, unknown> | undefined;
    if (reader && body.length > 0 && /json/i.test(String(req.headers['content-type'] ?? ''))) {
      parsed = parseObject(body);
      if (!parsed) return sendProviderError(res, format, 'invalid_request', 'the request body is not a JSON object', 'body');
      requestModel = typeof parsed.model === 'string' ? parsed.model : undefined;
      streamed = parsed.stream === true;
      prepared = reader.prepare(parsed);
      if (prepared !== parsed) forwarded = Buffer.from(JSON.stringify(prepared));
    }
    // A route of the project for the model asked (same format): its targets in order, in place of the model.
    let route: StoredRoute | undefined;
    if (prepared && requestModel) {
      try {
        const found = await this.deps.routes.resolve(owner.projectId, requestModel);
        if (found?.targets[0]?.provider === format) route = found;
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'route lookup failed');
        return sendProviderError(res, format, 'unavailable', "the project's routes cannot be read now: the call was not forwarded");
      }
    }
    // Checked before the call: usage that would be refused later must not be a call already made.
    const draft = usageEvent(owner, annotations.value, { startedAt, model: requestModel ?? 'unknown', provider: format, id: uuidv7() });
    const checked = validateUsageEvent(draft, startedAt);
    if (!checked.ok) {
      const first = checked.errors[0];
      return sendProviderError(res, format, 'invalid_request', first.message, headerOf(first.field));
    }

    // On every answer of a recorded call, the proxy's own errors included: the caller can look its record up.
    if (reader) res.setHeader('x-llmlab-usage-id', draft.id);
    const cached = reader ? await this.fromCache(owner, draft, format, path, route, parsed, reader, startedAt, res) : undefined;
    if (cached?.replayed) return;
    let hold: Hold | undefined;
    if (reader) {
      const model = route?.targets[0].model ?? requestModel;
      const guarded = await this.checkBudgets(owner, annotations.value, format, model, parsed, body.length, res);
      if (!guarded.ok) {
        if (guarded.budgetId) {
          await this.record(owner, {
            ...draft,
            status: 'error',
            errorType: 'budget_exceeded',
            latencyMs: elapsed(startedAt),
            metadata: { proxy: { operation: reader.operation, stream: streamed, budgetId: guarded.budgetId } },
          });
        }
        return;
      }
      hold = guarded.hold;
    }
    const upstream =
      route && prepared
        ? await this.forwardRouted(req, format, rest, credentials, stored, prepared, route, res)
        : await this.forward(req, format, rest, credentials, stored, forwarded, res);
    if (!upstream) {
      if (hold) await this.deps.budgets.settle(hold, 'free', correlationId);
      if (reader) {
        await this.record(owner, {
          ...draft,
          status: 'error',
          errorType: 'upstream_unreachable',
          latencyMs: elapsed(startedAt),
          metadata: { proxy: { operation: reader.operation, stream: streamed } },
        });
      }
      return;
    }
    const status = upstream.status;
    res.writeHead(status, downstreamHeaders(upstream.headers));
    const { outcome, body: answered } = await this.relay(upstream, res, reader, cached !== undefined);

    if (!reader) return;
    const read = reader.outcome();
    // A client may hang up once it has read the end of a stream (the OpenAI SDK does at `[DONE]`): with the
    // final usage seen, the call completed.
    const ended = outcome === 'complete' || (outcome === 'client_closed' && read.usage !== undefined);
    const failed = status >= 400 || !ended;
    await this.record(owner, {
      ...draft,
      model: read.model ?? upstream.model ?? requestModel ?? 'unknown',
      usage: read.usage ?? { inputTokens: 0, outputTokens: 0 },
      latencyMs: elapsed(startedAt),
      status: failed ? 'error' : 'success',
      ...(failed ? { errorType: status >= 400 ? `http_${status}` : outcome } : {}),
      metadata: {
        proxy: { operation: reader.operation, status, stream: streamed, ...(upstream.route ? { route: upstream.route } : {}) },
      },
    });
    if (hold) await this.deps.budgets.settle(hold, status >= 400 ? 'free' : { model: read.model, usage: read.usage }, correlationId);
    if (cached && route?.cacheTtlSeconds && status === 200 && !failed && answered && read.usage) {
      const model = read.model ?? upstream.model ?? requestModel ?? 'unknown';
      const cost = await this.deps.pricer.price(
        { organizationId: owner.organizationId, provider: format, model },
        read.usage,
        correlationId,
      );
      const contentType = String(upstream.headers['content-type'] ?? 'application/json');
      const entry = { contentType, body: answered, model, cost: cost ?? null, currency: 'USD', storedAt: new Date().toISOString() };
      await this.deps.cache.set(cached.key, entry, route.cacheTtlSeconds);
    }
  }

  /**
   * A route with a cache, for a non-streamed call: the answer kept for the same request (the caller's body, keys
   * sorted, what never changes an answer left out) is replayed at once, and the call recorded as one that cost
   * nothing, with what the cached call cost as money saved. Undefined when the call is not cacheable; `replayed`
   * once the caller has its answer.
   */
  private async fromCache(
    owner: UsageOwner,
    draft: UsageEventInput,
    format: WireFormat,
    path: string,
    route: StoredRoute | undefined,
    body: Record<string, unknown> | undefined,
    reader: UsageReader,
    startedAt: Date,
    res: ServerResponse,
  ): Promise<{ key: string; replayed: boolean } | undefined> {
    if (!route?.cacheTtlSeconds || !body || body.stream === true) return undefined;
    const key = cacheKey({ projectId: owner.projectId, route: route.model }, format, path, body);
    const hit = await this.deps.cache.get(key);
    if (!hit) {
      res.setHeader('x-llmlab-cache', 'miss');
      return { key, replayed: false };
    }
    res.writeHead(200, { 'content-type': hit.contentType, 'x-llmlab-cache': 'hit' }).end(hit.body);
    await this.record(owner, {
      ...draft,
      model: hit.model,
      usage: { inputTokens: 0, outputTokens: 0 },
      latencyMs: elapsed(startedAt),
      status: 'success',
      metadata: {
        proxy: {
          operation: reader.operation,
          status: 200,
          stream: false,
          route: { model: route.model },
          cache: { hit: true, saved: hit.cost, currency: hit.currency, storedAt: hit.storedAt },
        },
      },
    });
    return { key, replayed: true };
  }

  /**
   * The enforced budgets covering the call, with its estimate held on them; or the caller answered: 429 naming the
   * first budget without room (its id returned, to record the refusal), or 503 when the budgets cannot be read.
   */
  private async checkBudgets(
    owner: UsageOwner,
    annotations: CallAnnotations,
    format: WireFormat,
    model: string | undefined,
    body: Record<string, unknown> | undefined,
    bodyBytes: number,
    res: ServerResponse,
  ): Promise<{ ok: true; hold?: Hold } | { ok: false; budgetId?: string }> {
    let result: GuardResult;
    try {
      result = await this.deps.budgets.check(
        { ...owner, tags: annotations.tags, provider: format, model: model ?? 'unknown', body, bodyBytes },
        owner.correlationId!,
      );
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'budget reservation failed');
      result = { ok: false, unavailable: true };
    }
    if (result.ok) return result;
    if ('unavailable' in result) {
      sendProviderError(res, format, 'unavailable', 'the enforced budgets cannot be checked now: the call was not forwarded');
      return { ok: false };
    }
    const b = result.budget;
    sendProviderError(
      res,
      format,
      'budget_exceeded',
      `budget "${b.name}" (${b.id}) is spent: ${b.committed} of ${b.amount} ${b.currency} used or held until ${b.periodEnd}; the call was not forwarded`,
      undefined,
      { budget: b },
    );
    return { ok: false, budgetId: b.id };
  }

  /** The upstream's answer once its status and headers arrived, or undefined after answering the caller an error. */
  private async forward(
    req: IncomingMessage,
    format: WireFormat,
    rest: string,
    credentials: ReturnType<typeof callerCredentials>,
    stored: StoredUpstream | undefined,
    body: Buffer | undefined,
    res: ServerResponse,
  ): Promise<UpstreamAnswer | undefined> {
    const base = stored?.baseUrl ?? (format === 'openai' ? this.options.openaiBaseUrl : this.options.anthropicBaseUrl);
    const headers = upstreamHeaders(req.headers, credentials);
    if (stored) Object.assign(headers, providerKeyHeader(format, stored.key));
    const call = upstreamRequest(`${base}/${rest}`, req.method ?? 'GET', headers, body, this.options.upstreamTimeoutMs, stored?.lookup);
    // The caller went away: the provider's call stops too (before its answer, or while it streams).
    res.once('close', () => {
      if (!res.writableFinished) call.cancel();
    });
    try {
      const response = await call.response;
      return {
        status: response.statusCode ?? 502,
        headers: response.headers,
        body: response,
        complete: () => response.complete,
        cancel: call.cancel,
      };
    } catch (err) {
      const failure = err instanceof UpstreamError ? err.failure : 'unreachable';
      if (failure !== 'cancelled') this.logger.warn({ err: (err as Error).message, format }, 'upstream unreachable');
      sendProviderError(
        res,
        format,
        failure === 'timeout' ? 'upstream_timeout' : 'upstream_unreachable',
        failure === 'timeout' ? 'the provider did not answer in time' : 'the provider could not be reached',
      );
      return undefined;
    }
  }

  /**
   * A routed call: the route's targets in order, each with the model it names, through `callWithFallbacks` (retries
   * with backoff honouring `Retry-After`, a circuit breaker per target, the next target on 429, 5xx, a timeout or a
   * connection error). The provider key and base are the call's (the project's stored key, or the caller's own).
   */
  private async forwardRouted(
    req: IncomingMessage,
    format: WireFormat,
    rest: string,
    credentials: ReturnType<typeof callerCredentials>,
    stored: StoredUpstream | undefined,
    prepared: Record<string, unknown>,
    route: StoredRoute,
    res: ServerResponse,
  ): Promise<UpstreamAnswer | undefined> {
    const baseUrl = stored?.baseUrl ?? (format === 'openai' ? this.options.openaiBaseUrl : this.options.anthropicBaseUrl);
    const headers = upstreamHeaders(req.headers, credentials);
    if (stored) Object.assign(headers, providerKeyHeader(format, stored.key));
    const timeoutMs = route.timeoutMs ?? this.options.upstreamTimeoutMs;
    const targets = route.targets.map((t) => upstreamTarget({ provider: t.provider, baseUrl, model: t.model, timeoutMs }));
    const caller = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) caller.abort(new Error('the caller went away'));
    });
    const attempt = (target: UpstreamTarget, signal: AbortSignal) =>
      new Promise<Response>((resolve, reject) => {
        const body = Buffer.from(JSON.stringify({ ...prepared, model: target.model }));
        const call = upstreamRequest(`${target.baseUrl}/${rest}`, req.method ?? 'POST', headers, body, target.timeoutMs, stored?.lookup);
        signal.addEventListener('abort', () => call.cancel(), { once: true });
        call.response.then((incoming) => resolve(asResponse(incoming)), reject);
      });
    try {
      const answer = await callWithFallbacks(targets, attempt, {
        ...this.options.retries,
        breakers: this.options.breakers,
        signal: caller.signal,
      });
      const body = answer.response.body;
      let ended = body === null;
      return {
        status: answer.response.status,
        headers: Object.fromEntries(answer.response.headers),
        body: (async function* () {
          if (body) for await (const chunk of body) yield chunk;
          ended = true;
        })(),
        complete: () => ended,
        cancel: () => caller.abort(new Error('relay stopped')),
        model: answer.target.model,
        route: {
          model: String(prepared.model),
          targets: answer.targets.map((t) => ({ model: t.model, result: t.result, attempts: t.attempts.length })),
        },
      };
    } catch (err) {
      if (err instanceof UpstreamCancelled) return undefined;
      const unavailable = err instanceof UpstreamUnavailable;
      if (!unavailable) throw err;
      this.logger.warn({ err: (err as Error).message, format }, 'no target of the route answered');
      sendProviderError(res, format, 'upstream_unreachable', `no target of the route for ${String(prepared.model)} could be reached`);
      return undefined;
    }
  }

  /**
   * Sends the answer to the caller as it arrives, with backpressure, reading usage on the way. A stream is relayed
   * byte for byte, or frame by frame when a frame the proxy caused is left out. Returns how it ended.
   */
  private async relay(
    upstream: UpstreamAnswer,
    res: ServerResponse,
    reader: UsageReader | undefined,
    /** Whether to hand back a JSON answer's bytes (to cache it). */
    keep = false,
  ): Promise<{ outcome: 'complete' | 'client_closed' | 'upstream_broke'; body?: Buffer }> {
    const type = String(upstream.headers['content-type'] ?? '');
    const parser = reader && /text\/event-stream/i.test(type) ? new SseParser() : undefined;
    const reframe = parser !== undefined && reader!.reframes;
    const isJson = /json/i.test(type);
    const kept: Uint8Array[] = [];
    let keptBytes = 0;
    let clientGone = false;
    res.once('close', () => (clientGone = !res.writableFinished));
    const write = async (chunk: Uint8Array | string) => {
      if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    };
    try {
      for await (const chunk of upstream.body) {
        if (clientGone) throw new Error('the caller went away');
        if (parser) {
          for (const frame of parser.feed(chunk)) {
            const data = frame.data === '[DONE]' ? undefined : parseJson(frame.data);
            if (data !== undefined) reader!.event(data, frame.event);
            if (reframe && (data === undefined || !reader!.hides(data))) await write(encodeSse(frame));
          }
          if (!reframe) await write(chunk);
          continue;
        }
        await write(chunk);
        if (reader && isJson && keptBytes < MAX_READ_BYTES) {
          kept.push(chunk);
          keptBytes += chunk.length;
        }
      }
      if (!upstream.complete()) throw new Error('the provider cut its answer short');
      const whole = reader && isJson ? Buffer.concat(kept) : undefined;
      if (whole) {
        const document = parseJson(whole.toString('utf8'));
        if (document !== undefined) reader!.json(document);
      }
      res.end();
      return { outcome: 'complete', ...(keep && whole && keptBytes < MAX_READ_BYTES ? { body: whole } : {}) };
    } catch {
      upstream.cancel();
      res.destroy();
      return { outcome: clientGone ? 'client_closed' : 'upstream_broke' };
    }
  }

  /** After the answer: a failure here is logged (the spool refused, or a defect), the caller already has its answer. */
  private async record(owner: UsageOwner, event: UsageEventInput): Promise<void> {
    try {
      await this.deps.recorder.record(event, owner);
    } catch (err) {
      this.logger.error(
        { err: (err as Error).message, usageId: event.id, spoolFull: err instanceof SpoolFullError },
        'the usage of a proxied call could not be recorded',
      );
    }
  }
}

function usageEvent(
  owner: UsageOwner,
  annotations: CallAnnotations,
  call: { startedAt: Date; model: string; provider: WireFormat; id: string },
): UsageEventInput {
  return {
    id: call.id,
    timestamp: call.startedAt.toISOString(),
    provider: call.provider,
    model: call.model,
    usage: { inputTokens: 0, outputTokens: 0 },
    status: 'success',
    tags: annotations.tags,
    metadata: {},
    ...(annotations.userId ? { userId: annotations.userId } : {}),
    ...(annotations.sessionId ? { sessionId: annotations.sessionId } : {}),
    ...(annotations.traceId ? { traceId: annotations.traceId } : {}),
  };
}

/** The request header a field of the usage event came from, for the caller's error message. */
function headerOf(field: string): string {
  if (field.startsWith('/tags')) return 'X-LLMLab-Tags';
  if (field === '/userId') return 'X-LLMLab-User';
  if (field === '/sessionId') return 'X-LLMLab-Session';
  if (field === '/traceId') return 'X-LLMLab-Trace';
  return field === '/model' ? 'model' : field;
}

const elapsed = (since: Date) => Date.now() - since.getTime();

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function parseObject(body: Buffer): Record<string, unknown> | undefined {
  const value = parseJson(body.toString('utf8'));
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return 'too large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** An upstream answer as the relay reads it, whichever way it was fetched. */
interface UpstreamAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: AsyncIterable<Uint8Array>;
  /** Whether the whole body arrived (not cut short by the provider). */
  complete(): boolean;
  cancel(): void;
  /** A routed call's: the model of the target that answered, and what each target came to. */
  model?: string;
  route?: { model: string; targets: { model: string; result: string; attempts: number }[] };
}

/** Node's answer as the fetch `Response` the fallback walk reads (status, headers, a body it may cancel). */
function asResponse(incoming: IncomingMessage): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const status = incoming.statusCode ?? 502;
  const nullBody = status === 204 || status === 304;
  if (nullBody) incoming.resume();
  return new Response(nullBody ? null : (Readable.toWeb(incoming) as ReadableStream<Uint8Array>), { status, headers });
}
