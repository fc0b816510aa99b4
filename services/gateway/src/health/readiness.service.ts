import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Redis } from 'ioredis';
import { DOMAIN_SERVICES, healthSubject, type DomainServiceName, type ServiceHealth } from '@llmlab/contracts';
import { probes, runProbes, type ProbeResult } from '@llmlab/health';
import { GATEWAY_NATS, GATEWAY_REDIS } from '../gateway.tokens';
import { ServiceClient } from '../messaging/service-client';

export interface Readiness {
  status: 'ok' | 'down';
  /** Names of what is down: services and dependencies. Empty when ready. */
  down: string[];
  services: Record<DomainServiceName, { ready: boolean; error?: string; instance?: string }>;
  dependencies: Record<string, { up: boolean; error?: string }>;
}

const HEALTH_TIMEOUT_MS = 2_000;

/**
 * The platform is ready when the gateway's own NATS and Redis answer and every domain service answers over NATS
 * and reports its PostgreSQL, NATS and Redis up. PostgreSQL is judged through the services: the gateway holds
 * no database connection (DESIGN.md section 1).
 */
@Injectable()
export class ReadinessService {
  shuttingDown = false;

  constructor(
    private readonly client: ServiceClient,
    @Inject(GATEWAY_NATS) private readonly nats: NatsConnection,
    @Inject(GATEWAY_REDIS) private readonly redis: Redis,
  ) {}

  async check(correlationId: string): Promise<Readiness> {
    const [own, replies] = await Promise.all([
      runProbes([probes.nats(this.nats, HEALTH_TIMEOUT_MS), probes.redis(this.redis, HEALTH_TIMEOUT_MS)]),
      Promise.all(
        DOMAIN_SERVICES.map((service) =>
          this.client.ask(healthSubject(service), {}, { correlationId }, HEALTH_TIMEOUT_MS).then((reply) => ({ service, reply })),
        ),
      ),
    ]);

    const dependencies: Readiness['dependencies'] = {};
    const note = (d: ProbeResult | ServiceHealth['dependencies'][number], from: string) => {
      const seen = dependencies[d.name];
      if (!d.up) dependencies[d.name] = { up: false, error: `${from}: ${d.error ?? 'down'}` };
      else if (!seen) dependencies[d.name] = { up: true };
    };
    own.forEach((d) => note(d, 'gateway'));

    const services = {} as Readiness['services'];
    for (const { service, reply } of replies) {
      if (!reply.ok) {
        services[service] = { ready: false, error: reply.error.message };
        continue;
      }
      services[service] = { ready: reply.data.ready, instance: reply.data.instance };
      reply.data.dependencies.forEach((d) => note(d, service));
    }

    const down = [
      ...(this.shuttingDown ? ['gateway'] : []),
      ...DOMAIN_SERVICES.filter((s) => !services[s].ready),
      ...Object.entries(dependencies)
        .filter(([, d]) => !d.up)
        .map(([name]) => name),
    ];
    return { status: down.length ? 'down' : 'ok', down, services, dependencies };
  }
}
