import { Module } from '@nestjs/common';
import { ApiKeyAuthenticator, ApiKeyUseRecorder, type RequestClient } from '@llmlab/api-keys';
import { authSubjects } from '@llmlab/contracts';
import { CodedError } from '@llmlab/domain';
import { createMessagingClient, natsSubject, type MessagingClient } from '@llmlab/messaging';
import { backgroundWorkers, RUNTIME, type ServiceRuntime } from '@llmlab/service-kit';
import { BudgetGuard } from './budgets/budget-guard';
import { ResponseCache } from './cache/response-cache';
import { CallPricer } from './calls/call-pricer';
import { BudgetReservations } from './budgets/budget-reservations';
import { KeyRevocations } from './calls/key-revocations';
import { ProxyHttpWorker } from './calls/proxy-http.worker';
import { ProviderKeysModule } from './provider-keys/provider-keys.module';
import { StoredUpstreams } from './provider-keys/stored-upstreams';
import { RoutesModule } from './routes/routes.module';
import { StoredRoutes } from './routes/stored-routes';
import { ReadModelsWorker } from './read-models/read-models.worker';
import type { ProxyConfig } from './proxy.config';
import { UsageRecordingWorker } from './recording/usage-recording.worker';

const MESSAGING = Symbol('MESSAGING');
/** Requests to auth (key lookups, key uses). */
const REQUESTS = Symbol('REQUESTS');
/** Requests a call waits for (enforced budgets, price quotes). */
const ON_CALL_REQUESTS = Symbol('ON_CALL_REQUESTS');
const ON_CALL_REQUEST_TIMEOUT_MS = 2_000;

/**
 * The proxy service (issue 16, under construction): the data path for OpenAI and Anthropic clients, authenticated
 * with LLMLab API keys as at the gateway (libs/api-keys), upstream with the caller's provider key or the project's
 * stored one, recording every call through the spool onto INGEST.
 */
@Module({
  imports: [ProviderKeysModule, RoutesModule],
  providers: [
    {
      provide: MESSAGING,
      inject: [RUNTIME],
      useFactory: (runtime: ServiceRuntime<ProxyConfig>): MessagingClient =>
        createMessagingClient({ servers: runtime.config.NATS_URL, name: 'llmlab-proxy', defaultTimeoutMs: 15_000 }),
    },
    {
      provide: REQUESTS,
      inject: [RUNTIME, MESSAGING],
      useFactory: (runtime: ServiceRuntime<ProxyConfig>, messaging: MessagingClient): RequestClient => ({
        ask: (subject, payload, context) =>
          messaging.request({ ...subject, subject: natsSubject(subject, runtime.config.NATS_PREFIX) }, payload, context),
      }),
    },
    {
      // A call waits for these answers: bounded well below the default, a slow service refuses or allows fast.
      provide: ON_CALL_REQUESTS,
      inject: [RUNTIME, MESSAGING],
      useFactory: ({ config }: ServiceRuntime<ProxyConfig>, messaging: MessagingClient): RequestClient => ({
        ask: (subject, payload, context) =>
          messaging.request({ ...subject, subject: natsSubject(subject, config.NATS_PREFIX) }, payload, context, {
            timeoutMs: ON_CALL_REQUEST_TIMEOUT_MS,
          }),
      }),
    },
    {
      provide: CallPricer,
      inject: [RUNTIME, ON_CALL_REQUESTS],
      useFactory: ({ config, logger }: ServiceRuntime<ProxyConfig>, client: RequestClient) =>
        new CallPricer(client, logger, { cacheMs: config.PROXY_PRICE_CACHE_MS }),
    },
    {
      provide: BudgetGuard,
      inject: [RUNTIME, ON_CALL_REQUESTS, CallPricer],
      useFactory: ({ config, redis, logger }: ServiceRuntime<ProxyConfig>, client: RequestClient, pricer: CallPricer) =>
        new BudgetGuard(
          client,
          pricer,
          new BudgetReservations(redis, { namespace: config.NATS_PREFIX }),
          {
            cacheMs: config.PROXY_BUDGET_CACHE_MS,
            staleMs: config.PROXY_BUDGET_STALE_MS,
            whenUnavailable: config.PROXY_BUDGET_UNAVAILABLE,
            defaultOutputTokens: config.PROXY_BUDGET_DEFAULT_OUTPUT_TOKENS,
          },
          logger,
        ),
    },
    {
      provide: ResponseCache,
      inject: [RUNTIME],
      useFactory: ({ config, redis, logger }: ServiceRuntime<ProxyConfig>) =>
        new ResponseCache(redis, { namespace: config.NATS_PREFIX, logger }),
    },
    {
      provide: ApiKeyAuthenticator,
      inject: [RUNTIME, REQUESTS],
      useFactory: (runtime: ServiceRuntime<ProxyConfig>, client: RequestClient) => {
        const { config, redis, logger } = runtime;
        return new ApiKeyAuthenticator(
          async (prefix, correlationId) => {
            const reply = await client.ask(authSubjects.lookupApiKey, { prefix }, { correlationId });
            if (!reply.ok) throw new CodedError(reply.error.code, `API key lookup: ${reply.error.message}`);
            return reply.data.candidates;
          },
          redis,
          { namespace: config.NATS_PREFIX, memoryMs: config.IDENTITY_MEMORY_CACHE_MS, redisMs: config.IDENTITY_REDIS_CACHE_MS },
          logger,
          new ApiKeyUseRecorder(client, logger),
        );
      },
    },
    {
      provide: KeyRevocations,
      inject: [RUNTIME, ApiKeyAuthenticator],
      useFactory: (runtime: ServiceRuntime<ProxyConfig>, keys: ApiKeyAuthenticator) => new KeyRevocations(runtime, keys),
    },
    {
      provide: UsageRecordingWorker,
      inject: [RUNTIME],
      useFactory: (runtime: ServiceRuntime<ProxyConfig>) => new UsageRecordingWorker(runtime),
    },
    {
      provide: ProxyHttpWorker,
      inject: [RUNTIME, UsageRecordingWorker, ApiKeyAuthenticator, StoredUpstreams, StoredRoutes, BudgetGuard, ResponseCache, CallPricer],
      useFactory: (
        runtime: ServiceRuntime<ProxyConfig>,
        recording: UsageRecordingWorker,
        authenticator: ApiKeyAuthenticator,
        storedUpstreams: StoredUpstreams,
        routes: StoredRoutes,
        budgets: BudgetGuard,
        cache: ResponseCache,
        pricer: CallPricer,
      ) => new ProxyHttpWorker(runtime, recording, { authenticator, storedUpstreams, routes, budgets, cache, pricer }),
    },
    // The read models first (stored provider keys); then the recorder: calls are taken once it runs, and on
    // shutdown they end before it stops.
    backgroundWorkers(ReadModelsWorker, UsageRecordingWorker, ProxyHttpWorker),
  ],
})
export class ProxyModule {}
