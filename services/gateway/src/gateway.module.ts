import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Metrics } from '@llmlab/health';
import type { MessagingClient } from '@llmlab/messaging';
import { AlertsRoutesModule } from './alerts-routes/alerts-routes.module';
import { RecommendationsRoutesModule } from './recommendations/recommendations.module';
import { AuditRoutesModule } from './audit-routes/audit-routes.module';
import { AuthRoutesModule } from './auth-routes/auth-routes.module';
import { CostsModule } from './costs/costs.module';
import { GATEWAY_CONFIG, type GatewayConfig } from './gateway.config';
import { GATEWAY_LOGGER, GATEWAY_METRICS, GATEWAY_NATS, GATEWAY_REDIS } from './gateway.tokens';
import { HealthController } from './health/health.controller';
import { ReadinessService } from './health/readiness.service';
import { ProblemFilter } from './http/problem';
import { IdentityModule } from './identity/identity.module';
import { ServiceClient } from './messaging/service-client';
import { OtlpModule } from './otlp/otlp.module';
import { PricingModule } from './pricing/pricing.module';
import { ProviderSyncRoutesModule } from './provider-sync/provider-sync.module';
import { ProxyRoutesModule } from './proxy-routes/proxy-routes.module';
import { ReconciliationModule } from './reconciliation/reconciliation.module';
import { TracesModule } from './traces/traces.module';
import { TraceSettingsModule } from './trace-settings/trace-settings.module';
import { UsageModule } from './usage/usage.module';
import { UsageRetentionModule } from './usage-retention/usage-retention.module';
import { WebModule } from './web/web.module';

export interface GatewayDependencies {
  config: GatewayConfig;
  logger: Logger;
  metrics: Metrics;
  nats: NatsConnection;
  redis: Redis;
  messaging: MessagingClient;
}

/** The stateless edge: authenticates, validates, forwards to the owning service, renders problems. */
@Module({})
export class GatewayModule {
  static forRoot(deps: GatewayDependencies): DynamicModule {
    return {
      module: GatewayModule,
      global: true,
      imports: [
        IdentityModule.forRoot(deps),
        AuthRoutesModule,
        UsageModule,
        OtlpModule,
        TracesModule,
        TraceSettingsModule,
        UsageRetentionModule,
        CostsModule,
        PricingModule,
        AlertsRoutesModule,
        RecommendationsRoutesModule,
        AuditRoutesModule,
        ReconciliationModule,
        ProviderSyncRoutesModule,
        ProxyRoutesModule,
        WebModule,
      ],
      controllers: [HealthController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: deps.config },
        { provide: GATEWAY_LOGGER, useValue: deps.logger },
        { provide: GATEWAY_METRICS, useValue: deps.metrics },
        { provide: GATEWAY_NATS, useValue: deps.nats },
        { provide: GATEWAY_REDIS, useValue: deps.redis },
        {
          provide: ServiceClient,
          useValue: new ServiceClient(deps.messaging, deps.config.REQUEST_TIMEOUT_MS, deps.config.NATS_PREFIX, deps.nats),
        },
        { provide: APP_FILTER, useValue: new ProblemFilter(deps.logger) },
        ReadinessService,
      ],
      exports: [GATEWAY_CONFIG, GATEWAY_LOGGER, GATEWAY_METRICS, GATEWAY_NATS, GATEWAY_REDIS, ServiceClient],
    };
  }
}
