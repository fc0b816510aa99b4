import { once } from 'node:events';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import type { ApiKeyAuthenticator, BufferedRateLimiter } from '@llmlab/api-keys';
import {
  PROXY_PATH_PREFIXES,
  proxyFormatOf,
  scopesAllow,
  validateUsageEvent,
  proxyProvider,
  type ProxyProvider,
  type RouteTarget,
  type UsageEventInput,
} from '@llmlab/contracts';
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
  type TargetReport,
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
import { targetHeaders, toCallerAnswer, toTargetRequest } from './cross-format';
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
  limiter: Pick<BufferedRateLimiter, 'hit'>;
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
  /** `max_tokens` of an OpenAI chat call that names no limit, sent to an Anthropic target (which requires one). */
  translatedMaxTokens: number;
}

/** How much of a plain (non-stream) answer is kept to read its usage; the caller gets all of it regardless. */
const MAX_READ_BYTES = 16 << 20;

/**
 * The proxy's data path, one HTTP call at a time: authenticates the caller's LLMLab key, forwards the call to the
 * provider with the caller's own provider key, sends the answer back as it arrives (a stream chunk by chunk), reads
 * the model and usage off it on the way, and records the call on the ingest path without making the caller wait
 * (the recorder's spool is the point of durability). A call that fails upstream is recorded as an error with its
 * status. The provider key is the caller's own, passed through, or the project's stored one (a caller that sent its
 * LLMLab key in place of the provider key). Routes (aliases, fallbacks, across formats), enforced budgets and the
 * response cache apply on the way.
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
    // Why the caller's format has no usable stored key: answered below, unless a route can serve the call elsewhere.
    let noStored: { kind: 'authentication' | 'upstream_unreachable'; message: string; header?: string } | undefined;
    if (!credentials.ownProviderKey) {
      let found: StoredUpstreamResult;
      try {
        found = await this.deps.storedUpstreams.resolve(key.projectId, format);
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'stored provider key lookup failed');
        return sendProviderError(res, format, 'unavailable', "the project's stored provider key cannot be read now");
      }
      if (!found.found) {
        noStored = {
          kind: 'authentication',
          message: `this project has no stored ${format} key: store one (POST /v1/projects/{projectId}/provider-keys), or send your provider key in its usual header and your LLMLab key in X-LLMLab-Key`,
          header: 'X-LLMLab-Key',
        };
      } else if ('refused' in found) {
        noStored = { kind: 'upstream_unreachable', message: `the stored baseUrl may not be called now: ${found.refused}` };
      } else stored = found.upstream;
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
    // A route of the project for the model asked: its targets (of either format) in order, in place of the model.
    let route: StoredRoute | undefined;
    if (prepared && requestModel) {
      try {
        route = await this.deps.routes.resolve(owner.projectId, requestModel, annotations.value.tags.feature ?? '');
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'route lookup failed');
        return sendProviderError(res, format, 'unavailable', "the project's routes cannot be read now: the call was not forwarded");
      }
    }
    // Without a usable stored key of its format, only a route with a target of another provider can serve the call.
    if (noStored && !route?.targets.some((t) => t.provider !== format)) {
      return sendProviderError(res, format, noStored.kind, noStored.message, noStored.header);
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
      const provider = route?.targets[0].provider ?? format;
      const guarded = await this.checkBudgets(owner, annotations.value, format, provider, model, parsed, body.length, res);
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
        ? await this.forwardRouted({ req, format, rest, credentials, stored, prepared, projectId: owner.projectId }, route, res)
        : await this.forward(req, format, rest, credentials, stored, forwarded, res);
    if (!upstream || 'unanswered' in upstream) {
      if (hold) await this.deps.budgets.settle(hold, 'free', correlationId);
      if (reader) {
        await this.record(owner, {
          ...draft,
          status: 'error',
          errorType: upstream?.unanswered ?? 'upstream_unreachable',
          latencyMs: elapsed(startedAt),
          metadata: { proxy: { operation: reader.operation, stream: streamed, ...(upstream ? { route: upstream.route } : {}) } },
        });
      }
      return;
    }
    const status = upstream.status;
    // A routed call names the provider that answered it, which may not be the caller's format.
    const provider = upstream.provider ?? format;
    const head = { status, headers: downstreamHeaders(upstream.headers) };
    // A whole (not streamed) answer is held until priced, so that its headers carry its cost; a stream never waits.
    const isJson = /json/i.test(String(upstream.headers['content-type'] ?? ''));
    const priceable = reader !== undefined && !streamed && status < 400 && isJson;
    if (!priceable) res.writeHead(head.status, head.headers);
    const costHeaders = () => this.costHeaders(owner, provider, reader!.outcome(), startedAt);
    const recordAs = (outcome: RelayOutcome) => {
      const read = reader!.outcome();
      const failed = callFailed(status, outcome, read);
      return this.record(owner, {
        ...draft,
        provider,
        model: read.model ?? upstream.model ?? requestModel ?? 'unknown',
        usage: read.usage ?? { inputTokens: 0, outputTokens: 0 },
        latencyMs: elapsed(startedAt),
        status: failed ? 'error' : 'success',
        ...(failed ? { errorType: status >= 400 ? `http_${status}` : outcome } : {}),
        metadata: {
          proxy: { operation: reader!.operation, status, stream: streamed, ...(upstream.route ? { route: upstream.route } : {}) },
        },
      });
    };
    // A complete answer's usage is on the spool before its end goes out: a caller never holds a whole answer whose
    // usage a crash of this process could still lose (services/proxy/test/proxy-crash.e2e.spec.ts).
    const { outcome, body: answered } = await this.relay(upstream, res, reader, {
      keep: cached !== undefined,
      held: priceable ? { ...head, costHeaders } : undefined,
      beforeEnd: reader ? () => recordAs('complete') : undefined,
    });

    if (!reader) return;
    const read = reader.outcome();
    const failed = callFailed(status, outcome, read);
    if (outcome !== 'complete') await recordAs(outcome);
    if (hold) {
      const spent = status >= 400 ? 'free' : { provider, model: read.model, usage: read.usage };
      await this.deps.budgets.settle(hold, spent, correlationId);
    }
    if (cached && route?.cacheTtlSeconds && status === 200 && !failed && answered && read.usage) {
      const model = read.model ?? upstream.model ?? requestModel ?? 'unknown';
      const cost = await this.deps.pricer.price({ organizationId: owner.organizationId, provider, model }, read.usage, correlationId);
      const contentType = String(upstream.headers['content-type'] ?? 'application/json');
      const entry = {
        contentType,
        body: answered,
        provider,
        model,
        cost: cost ?? null,
        currency: 'USD',
        storedAt: new Date().toISOString(),
      };
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
    const key = cacheKey({ projectId: owner.projectId, route: route.routeId }, format, path, body);
    const hit = await this.deps.cache.get(key);
    if (!hit) {
      res.setHeader('x-llmlab-cache', 'miss');
      return { key, replayed: false };
    }

    await this.record(owner, {
      ...draft,
      provider: hit.provider ?? format,
      model: hit.model,
      usage: { inputTokens: 0, outputTokens: 0 },
      // Nothing was asked of a provider: its cost is 0 as given, even for a model priced per request.
      cost: { amount: '0', currency: 'USD' },
      latencyMs: elapsed(startedAt),
      status: 'success',
      metadata: {
        proxy: {
          operation: reader.operation,
          status: 200,
          stream: false,
          route: { routeId: route.routeId, model: route.model },
          cache: { hit: true, saved: hit.cost, currency: hit.currency, storedAt: hit.storedAt },
        },
      },
    });
    // Recorded first, as every answer: the caller never holds an answer whose record a crash could lose.
    res
      .writeHead(200, { 'content-type': hit.contentType, 'x-llmlab-cache': 'hit', 'x-llmlab-cost': '0', 'x-llmlab-cost-status': 'priced' })
      .end(hit.body);
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
    /** Whose prices: the route's first target's provider, or the caller's. */
    provider: ProxyProvider,
    model: string | undefined,
    body: Record<string, unknown> | undefined,
    bodyBytes: number,
    res: ServerResponse,
  ): Promise<{ ok: true; hold?: Hold } | { ok: false; budgetId?: string }> {
    let result: GuardResult;
    try {
      result = await this.deps.budgets.check(
        { ...owner, tags: annotations.tags, provider, model: model ?? 'unknown', body, bodyBytes },
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
    const base = stored?.baseUrl ?? this.defaultBase(format);
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
   * connection error). A target of the caller's own provider gets the call as it came, with the call's provider key and
   * base (the project's stored key, or the caller's own); a target of another provider gets it with the project's
   * stored key of that provider: as it came when that provider speaks the caller's format, translated (chat only) when
   * not, its answer then translated back. A target that cannot take the call is skipped, and the record says why.
   * Undefined when the caller went away.
   */
  private async forwardRouted(call: RoutedCall, route: StoredRoute, res: ServerResponse): Promise<UpstreamAnswer | Unanswered | undefined> {
    const { req, format, prepared } = call;
    const model = String(prepared.model);
    const legs = await this.routeLegs(call, route);
    const routeRecord = (reports: readonly TargetReport[]): RouteRecord => ({
      routeId: route.routeId,
      model,
      targets: targetResults(legs, reports),
    });
    const called = legs.flatMap((leg) => ('skipped' in leg ? [] : [leg]));
    if (called.length === 0) {
      const why = legs.map((leg) => `${leg.route.provider} ${leg.route.model}: ${'skipped' in leg ? leg.skipped : ''}`).join('; ');
      sendProviderError(res, format, 'invalid_request', `no target of the route for ${model} can take this call (${why})`);
      return { unanswered: 'no_usable_target', route: routeRecord([]) };
    }
    const legOf = new Map(called.map((leg) => [leg.target, leg]));
    const caller = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) caller.abort(new Error('the caller went away'));
    });
    const attempt = (target: UpstreamTarget, signal: AbortSignal) =>
      new Promise<Response>((resolve, reject) => {
        const leg = legOf.get(target)!;
        const call = upstreamRequest(leg.url, req.method ?? 'POST', leg.headers, leg.body, target.timeoutMs, leg.lookup);
        signal.addEventListener('abort', () => call.cancel(), { once: true });
        call.response.then((incoming) => resolve(asResponse(incoming)), reject);
      });
    let answer: Awaited<ReturnType<typeof callWithFallbacks>>;
    try {
      answer = await callWithFallbacks(
        called.map((leg) => leg.target),
        attempt,
        { ...this.options.retries, breakers: this.options.breakers, signal: caller.signal },
      );
    } catch (err) {
      if (err instanceof UpstreamCancelled) return undefined;
      if (!(err instanceof UpstreamUnavailable)) throw err;
      this.logger.warn({ err: err.message, format }, 'no target of the route answered');
      sendProviderError(res, format, 'upstream_unreachable', `no target of the route for ${model} could be reached`);
      return { unanswered: 'upstream_unreachable', route: routeRecord(err.targets) };
    }
    const leg = legOf.get(answer.target)!;
    let reply: { status: number; headers: IncomingHttpHeaders; body: AsyncIterable<Uint8Array> | null };
    try {
      reply = leg.translated
        ? await toCallerAnswer(answer.response, format, leg.route, prepared)
        : { status: answer.response.status, headers: Object.fromEntries(answer.response.headers), body: answer.response.body };
    } catch (err) {
      // The answer to translate could not be read whole.
      if (caller.signal.aborted) return undefined;
      this.logger.warn({ err: (err as Error).message, format }, 'the answer of a target could not be read');
      sendProviderError(res, format, 'upstream_unreachable', 'the provider cut its answer short');
      return { unanswered: 'upstream_broke', route: routeRecord(answer.targets) };
    }
    let ended = false;
    return {
      status: reply.status,
      headers: reply.headers,
      body: (async function* () {
        if (reply.body) for await (const chunk of reply.body) yield chunk;
        ended = true;
      })(),
      complete: () => ended,
      cancel: () => caller.abort(new Error('relay stopped')),
      provider: answer.target.provider,
      model: answer.target.model,
      route: routeRecord(answer.targets),
    };
  }

  /**
   * How each target of a route is called: the call as it came for the caller's own provider, with the call's key; with
   * the project's stored key of its provider for any other, as it came (same format) or translated (the other); or
   * skipped, saying why (another operation than chat, a request that does not translate, no stored key: the caller's
   * own key is for its own provider only).
   */
  private async routeLegs(call: RoutedCall, route: StoredRoute): Promise<RouteLeg[]> {
    const { req, format, rest, credentials, stored, prepared, projectId } = call;
    const timeoutMs = route.timeoutMs ?? this.options.upstreamTimeoutMs;
    const ownBase = stored?.baseUrl ?? this.defaultBase(format);
    const ownHeaders = upstreamHeaders(req.headers, credentials);
    if (stored) Object.assign(ownHeaders, providerKeyHeader(format, stored.key));
    // Each other provider's stored key is looked up once per call.
    const storedKeys = new Map<ProxyProvider, Promise<StoredUpstream | string>>();
    const legs: RouteLeg[] = [];
    for (const t of route.targets) {
      if (t.provider === format) {
        if (!stored && !credentials.ownProviderKey) {
          legs.push({ route: t, skipped: `this project has no usable stored ${format} key` });
          continue;
        }
        const body = withModel(prepared, t.model);
        const target = upstreamTarget({ provider: format, baseUrl: ownBase, model: t.model, timeoutMs });
        legs.push({ route: t, target, url: `${ownBase}/${rest}`, headers: ownHeaders, body, lookup: stored?.lookup });
        continue;
      }
      // Another provider: of the caller's format, the call as it came (its model replaced); of the other, translated.
      const sameFormat = proxyProvider(t.provider).format === format;
      const request = sameFormat
        ? { ok: true as const, path: rest, body: withModel(prepared, t.model), dropped: [] }
        : toTargetRequest(format, rest.split('?')[0], prepared, t, this.options.translatedMaxTokens);
      if (!request.ok) {
        legs.push({ route: t, skipped: request.reason });
        continue;
      }
      let lookup = storedKeys.get(t.provider);
      if (!lookup) storedKeys.set(t.provider, (lookup = this.storedFor(projectId, t.provider)));
      const upstream = await lookup;
      if (typeof upstream === 'string') {
        legs.push({ route: t, skipped: upstream });
        continue;
      }
      const base = upstream.baseUrl ?? this.defaultBase(t.provider);
      legs.push({
        route: t,
        target: upstreamTarget({ provider: t.provider, baseUrl: base, model: t.model, timeoutMs }),
        url: `${base}/${request.path}`,
        headers: targetHeaders(t.provider, upstream.key),
        body: request.body,
        lookup: upstream.lookup,
        ...(sameFormat ? {} : { translated: { dropped: request.dropped } }),
      });
    }
    return legs;
  }

  /** The project's stored key for a target of another provider, or why it cannot be used. */
  private async storedFor(projectId: string, provider: ProxyProvider): Promise<StoredUpstream | string> {
    let found: StoredUpstreamResult;
    try {
      found = await this.deps.storedUpstreams.resolve(projectId, provider);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'stored provider key lookup failed');
      return `the project's stored ${provider} key cannot be read now`;
    }
    if (!found.found) return `this project has no stored ${provider} key`;
    if ('refused' in found) return `the stored ${provider} baseUrl may not be called now: ${found.refused}`;
    return found.upstream;
  }

  /** Where a provider is called when its stored key names no base: the operator's for the two formats, else its own. */
  private defaultBase(provider: ProxyProvider): string {
    const known = proxyProvider(provider);
    if (known.baseUrl) return known.baseUrl;
    return known.format === 'openai' ? this.options.openaiBaseUrl : this.options.anthropicBaseUrl;
  }

  /**
   * Sends the answer to the caller as it arrives, with backpressure, reading usage on the way. A stream is relayed
   * byte for byte, or frame by frame when a frame the proxy caused is left out. Returns how it ended.
   */
  private async relay(
    upstream: UpstreamAnswer,
    res: ServerResponse,
    reader: UsageReader | undefined,
    options: {
      /** Whether to hand back a JSON answer's bytes (to cache it). */
      keep?: boolean;
      /**
       * A whole answer's status and headers, sent once it has arrived and been priced, with its cost (or, past
       * `MAX_READ_BYTES`, at once without it); absent, they were sent before.
       */
      held?: { status: number; headers: OutgoingHttpHeaders; costHeaders: () => Promise<Record<string, string>> };
      /** Runs before what tells the caller its answer is complete goes out (its usage onto the spool). */
      beforeEnd?: () => Promise<void>;
    } = {},
  ): Promise<{ outcome: RelayOutcome; body?: Buffer }> {
    const { keep = false, beforeEnd } = options;
    let held = options.held;
    const type = String(upstream.headers['content-type'] ?? '');
    const parser = reader && /text\/event-stream/i.test(type) ? new SseParser() : undefined;
    const reframe = parser !== undefined && reader!.reframes;
    const isJson = /json/i.test(type);
    const kept: Uint8Array[] = [];
    let keptBytes = 0;
    let clientGone = false;
    res.once('close', () => (clientGone = !res.writableFinished));
    const send = async (chunk: Uint8Array | string) => {
      if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    };
    // What tells the caller its answer is complete waits for `beforeEnd`: a stream's last frame and what follows it,
    // a plain answer's last piece (each piece goes out when the next one arrives). Nothing before is delayed.
    const tail: (Uint8Array | string)[] = [];
    let holdingTail = false;
    const write = async (chunk: Uint8Array | string) => {
      if (holdingTail) tail.push(chunk);
      else await send(chunk);
    };
    try {
      for await (const chunk of upstream.body) {
        if (clientGone) throw new Error('the caller went away');
        if (parser) {
          for (const frame of parser.feed(chunk)) {
            const data = frame.data === '[DONE]' ? undefined : parseJson(frame.data);
            if (data !== undefined) reader!.event(data, frame.event);
            if (beforeEnd && reader!.ends(frame)) holdingTail = true;
            if (reframe && (data === undefined || !reader!.hides(data))) await write(encodeSse(frame));
          }
          if (!reframe) await write(chunk);
          continue;
        }
        if (held) {
          // Held whole until priced: kept below.
        } else if (beforeEnd) {
          tail.push(chunk);
          if (tail.length > 1) await send(tail.shift()!);
        } else await send(chunk);
        if (reader && isJson && keptBytes < MAX_READ_BYTES) {
          kept.push(chunk);
          keptBytes += chunk.length;
        }
        if (held && keptBytes >= MAX_READ_BYTES) {
          // Too large to hold: sent as it comes, without its cost (its last piece still waits for `beforeEnd`).
          res.writeHead(held.status, { ...held.headers, 'x-llmlab-cost-status': 'unknown' });
          held = undefined;
          for (const part of kept.slice(0, -1)) await send(part);
          tail.push(kept.at(-1)!);
        }
      }
      if (!upstream.complete()) throw new Error('the provider cut its answer short');
      const whole = reader && isJson ? Buffer.concat(kept) : undefined;
      if (whole) {
        const document = parseJson(whole.toString('utf8'));
        if (document !== undefined) reader!.json(document);
      }
      if (held) {
        const [cost] = await Promise.all([held.costHeaders(), beforeEnd?.()]);
        res.writeHead(held.status, { ...held.headers, ...cost });
        res.end(whole);
      } else {
        await beforeEnd?.();
        for (const piece of tail) await send(piece);
        res.end();
      }
      return { outcome: 'complete', ...(keep && whole && keptBytes < MAX_READ_BYTES ? { body: whole } : {}) };
    } catch {
      upstream.cancel();
      res.destroy();
      return { outcome: clientGone ? 'client_closed' : 'upstream_broke' };
    }
  }

  /**
   * What a whole answer's headers say of its cost, priced as its record will be (the price in force when the call
   * started, the organization's own prices first): `x-llmlab-cost` in USD and `x-llmlab-cost-status` `priced`;
   * `unpriced` for a model without a price; `unknown` when the answer names no usage or prices cannot be asked now.
   */
  private async costHeaders(
    owner: UsageOwner,
    provider: ProxyProvider,
    read: ReturnType<UsageReader['outcome']>,
    startedAt: Date,
  ): Promise<Record<string, string>> {
    if (!read.usage || !read.model) return { 'x-llmlab-cost-status': 'unknown' };
    const quote = await this.deps.pricer.quote(
      { organizationId: owner.organizationId, provider, model: read.model },
      read.usage,
      owner.correlationId!,
      startedAt,
    );
    if (!quote) return { 'x-llmlab-cost-status': 'unknown' };
    return quote.status === 'priced'
      ? { 'x-llmlab-cost': quote.amount, 'x-llmlab-cost-status': 'priced' }
      : { 'x-llmlab-cost-status': 'unpriced' };
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
  call: { startedAt: Date; model: string; provider: ProxyProvider; id: string },
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

/** How a relayed answer ended. */
type RelayOutcome = 'complete' | 'client_closed' | 'upstream_broke';

/**
 * Whether a relayed call is recorded as failed: an error status, or an answer that did not end. A client may hang up
 * once it has read the end of a stream (the OpenAI SDK does at `[DONE]`): with the final usage seen, the call completed.
 */
function callFailed(status: number, outcome: RelayOutcome, read: { usage?: unknown }): boolean {
  const ended = outcome === 'complete' || (outcome === 'client_closed' && read.usage !== undefined);
  return status >= 400 || !ended;
}

/** A call a route serves, as it came: what each of the route's targets is made from. */
interface RoutedCall {
  req: IncomingMessage;
  /** The caller's format, and its path after the format's prefix. */
  format: WireFormat;
  rest: string;
  credentials: ReturnType<typeof callerCredentials>;
  /** The project's stored key of the caller's format, unless the caller sent its own. */
  stored: StoredUpstream | undefined;
  /** The JSON body as forwarded (`UsageReader.prepare`). */
  prepared: Record<string, unknown>;
  projectId: string;
}

/** The body of a call with another model in it. */
function withModel(body: Record<string, unknown>, model: string): Buffer {
  return Buffer.from(JSON.stringify({ ...body, model }));
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
  /** A routed call's: the provider and model of the target that answered, and what each target came to. */
  provider?: ProxyProvider;
  model?: string;
  route?: RouteRecord;
}

/** A routed call that no target answered (the caller has its error): what to record. */
interface Unanswered {
  unanswered: 'no_usable_target' | 'upstream_unreachable' | 'upstream_broke';
  route: RouteRecord;
}

/** What the usage record says of a routed call: its route, and what each target came to, in the route's order. */
interface RouteRecord {
  routeId: string;
  model: string;
  targets: { provider: string; model: string; result: string; attempts: number; reason?: string; dropped?: string[] }[];
}

/** How one target of a route is called: the URL, headers and body of each attempt; or why it is skipped. */
type RouteLeg =
  | {
      route: RouteTarget;
      target: UpstreamTarget;
      url: string;
      headers: Record<string, string>;
      body: Buffer;
      lookup?: LookupFunction;
      /** Of the other format: the request was translated, leaving out these fields (no counterpart there). */
      translated?: { dropped: string[] };
    }
  | { route: RouteTarget; skipped: string };

/**
 * Each target in the route's order, until the walk stopped at the one that answered: its result and attempts; a
 * skipped one with its reason (never called).
 */
function targetResults(legs: readonly RouteLeg[], reports: readonly TargetReport[]): RouteRecord['targets'] {
  const stoppedAt = reports.at(-1)?.result === 'answered' ? reports.length : Infinity;
  const results: RouteRecord['targets'] = [];
  let next = 0;
  for (const leg of legs) {
    if (next >= stoppedAt) break;
    const { provider, model } = leg.route;
    if ('skipped' in leg) {
      results.push({ provider, model, result: 'skipped', attempts: 0, reason: leg.skipped });
      continue;
    }
    const report = reports[next++];
    if (!report) break;
    const dropped = leg.translated?.dropped ?? [];
    results.push({ provider, model, result: report.result, attempts: report.attempts.length, ...(dropped.length > 0 ? { dropped } : {}) });
  }
  return results;
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
