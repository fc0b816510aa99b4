import {
  CallHandler,
  Controller,
  DynamicModule,
  ExecutionContext,
  Get,
  Header,
  HttpCode,
  Inject,
  Injectable,
  Module,
  NestInterceptor,
  ServiceUnavailableException,
  Type,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { MessagePattern } from '@nestjs/microservices';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { from, Observable, of } from 'rxjs';
import { finalize, tap } from 'rxjs/operators';
import { healthSubject, MessagingErrorCode, type Reply, type RequestEnvelope, type ServiceHealth } from '@llmlab/contracts';
import { runWithContext } from '@llmlab/logging';
import { CommandRunner } from './command-runner';
import type { ServiceRuntime } from './runtime';
import { EVENT_STORE, LOGGER, METRICS, NATS_CONNECTION, PG_POOL, REDIS, RUNTIME, SERVICE_CONFIG } from './tokens';

@Controller('health')
class HealthController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  /** Liveness: the process answers. Dependencies are readiness's business, so a database outage restarts nothing. */
  @Get()
  live() {
    return { status: 'ok', service: this.runtime.name, uptimeSeconds: Math.round((Date.now() - this.runtime.startedAt) / 1000) };
  }

  @Get('ready')
  @HealthCheck()
  async ready() {
    if (this.runtime.shuttingDown) throw new ServiceUnavailableException({ status: 'shutting_down', service: this.runtime.name });
    const report = await this.runtime.health();
    return this.health.check(
      report.dependencies.map((d) => async () => {
        const session = this.indicators.check(d.name);
        return d.up ? session.up({ latencyMs: d.latencyMs }) : session.down({ error: d.error ?? 'down' });
      }),
    );
  }
}

@Controller('metrics')
class MetricsController {
  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {}

  @Get()
  @HttpCode(200)
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics() {
    return this.runtime.metrics.registry.metrics();
  }
}

/**
 * Wraps every NATS request: runs it inside its caller's context (so logs and appended events carry the
 * correlation id), counts it for graceful shutdown and metrics, and refuses new work once shutdown began.
 */
@Injectable()
class RpcInterceptor implements NestInterceptor {
  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'rpc') return next.handle();
    const subject = String(ctx.switchToRpc().getContext()?.getSubject?.() ?? 'unknown');
    if (this.runtime.shuttingDown) {
      const reply: Reply<never> = {
        ok: false,
        error: { code: MessagingErrorCode.ShuttingDown, message: `${this.runtime.name} is shutting down; retry` },
      };
      return of(reply);
    }
    const envelope = ctx.switchToRpc().getData() as Partial<RequestEnvelope<unknown>> | undefined;
    const context = envelope?.context ?? { correlationId: 'none' };
    const stopTimer = this.runtime.metrics.natsDuration.startTimer({ subject });
    this.runtime.enter();
    return runWithContext(context, () =>
      next.handle().pipe(
        tap({
          next: (value) => {
            const ok = (value as Reply<unknown> | undefined)?.ok !== false;
            this.runtime.metrics.natsRequests.inc({ subject, outcome: ok ? 'ok' : 'error' });
          },
          error: () => this.runtime.metrics.natsRequests.inc({ subject, outcome: 'failed' }),
        }),
        finalize(() => {
          stopTimer();
          this.runtime.leave();
        }),
      ),
    );
  }
}

function healthMessageController(runtime: ServiceRuntime): Type {
  @Controller()
  class HealthMessageController {
    @MessagePattern(healthSubject(runtime.name).subject)
    check(): Observable<Reply<ServiceHealth>> {
      return from(runtime.health().then((data) => ({ ok: true as const, data })));
    }
  }
  return HealthMessageController;
}

/** What every domain service gets: its connections as injectables, health, readiness over NATS, and metrics. */
@Module({})
export class ServiceKitModule {
  static forRoot(runtime: ServiceRuntime): DynamicModule {
    const providers = [
      { provide: RUNTIME, useValue: runtime },
      { provide: SERVICE_CONFIG, useValue: runtime.config },
      { provide: PG_POOL, useValue: runtime.pool },
      { provide: EVENT_STORE, useValue: runtime.eventStore },
      { provide: REDIS, useValue: runtime.redis },
      { provide: NATS_CONNECTION, useValue: runtime.nats },
      { provide: LOGGER, useValue: runtime.logger },
      { provide: METRICS, useValue: runtime.metrics },
      { provide: CommandRunner, useValue: new CommandRunner(runtime.eventStore) },
    ];
    return {
      module: ServiceKitModule,
      global: true,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: false })],
      controllers: [HealthController, MetricsController, healthMessageController(runtime)],
      providers: [...providers, { provide: APP_INTERCEPTOR, useClass: RpcInterceptor }],
      exports: providers.map((p) => p.provide),
    };
  }
}
