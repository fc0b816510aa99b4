import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, MicroserviceOptions } from '@nestjs/microservices';
import { DOMAIN_SERVICES, healthSubject, type RequestEnvelope, type ServiceHealth } from '@llmlab/contracts';
import { loadConfig } from '@llmlab/config';
import { natsMicroserviceOptions } from '@llmlab/messaging';
import { testEnv, uniqueSuffix } from '@llmlab/testing';
import { createGatewayApp, type GatewayApp } from '../src/gateway.app';
import { gatewayEnv } from '../src/gateway.config';

const prefix = `gw${uniqueSuffix(3)}`;
const seen: RequestEnvelope<unknown>[] = [];

function healthController(service: (typeof DOMAIN_SERVICES)[number], ready: () => boolean) {
  @Controller()
  class HealthResponder {
    @MessagePattern(healthSubject(service).subject)
    health(envelope: RequestEnvelope<unknown>) {
      seen.push(envelope);
      const data: ServiceHealth = {
        service,
        ready: ready(),
        instance: service,
        uptimeSeconds: 1,
        dependencies: [{ name: 'postgres', up: ready(), latencyMs: 1, ...(ready() ? {} : { error: 'connection refused' }) }],
      };
      return { ok: true, data };
    }
  }
  return HealthResponder;
}

// The gateway against real NATS responders standing in for the six services: the request id becomes the
// correlation id every service receives, and readiness names what is down.
describe('gateway request context and readiness', () => {
  let gateway: GatewayApp;
  let responders: Awaited<ReturnType<typeof NestFactory.createMicroservice>>;
  let alertsReady = true;

  beforeAll(async () => {
    @Module({ controllers: DOMAIN_SERVICES.map((s) => healthController(s, () => (s === 'alerts' ? alertsReady : true))) })
    class RespondersModule {}
    responders = await NestFactory.createMicroservice<MicroserviceOptions>(RespondersModule, {
      ...natsMicroserviceOptions({ servers: testEnv.natsUrl, queue: `${prefix}-responders`, prefix, gracePeriodMs: 100 }),
      logger: false,
    });
    await responders.listen();
    // No cache on the public readiness here: each call fans out, as the correlation tests need.
    gateway = await createGatewayApp(
      loadConfig(gatewayEnv, { ...process.env, LOG_LEVEL: 'silent', NATS_PREFIX: prefix, PUBLIC_READINESS_CACHE_MS: '0' }),
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await responders?.close();
  });

  const inject = (headers: Record<string, string> = {}, url = '/health/ready') =>
    gateway.app.getHttpAdapter().getInstance().inject({ method: 'GET', url, headers });

  it('passes the caller X-Request-Id to every service as the correlation id', async () => {
    seen.length = 0;
    const res = await inject({ 'x-request-id': 'corr-gw-0001', 'user-agent': 'probe/1.0' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toBe('corr-gw-0001');
    expect(seen).toHaveLength(DOMAIN_SERVICES.length);
    expect(seen.every((e) => e.context.correlationId === 'corr-gw-0001')).toBe(true);
  });

  it('makes a request id when the caller sends none or a malformed one', async () => {
    const res = await inject({ 'x-request-id': 'bad id with spaces' });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 503 naming what is down, with statuses only in public and the details on the internal listener', async () => {
    alertsReady = false;
    const port = await gateway.internal.listen(0, '127.0.0.1');
    try {
      const res = await inject();
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'down', down: expect.arrayContaining(['alerts', 'postgres']) });
      expect(res.body).not.toContain('connection refused');

      const internal = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(internal.status).toBe(503);
      expect(await internal.json()).toMatchObject({
        status: 'down',
        down: expect.arrayContaining(['alerts', 'postgres']),
        dependencies: { postgres: { up: false, error: 'alerts: connection refused' } },
      });
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(await metrics.text()).toContain('llmlab_http_requests_total');
      expect((await inject({}, '/metrics')).statusCode).toBe(404);
    } finally {
      alertsReady = true;
      await gateway.internal.close();
    }
  });

  it('reuses the public readiness answer for PUBLIC_READINESS_CACHE_MS: anonymous calls do not fan out each time', async () => {
    const cached = await createGatewayApp(
      loadConfig(gatewayEnv, { ...process.env, LOG_LEVEL: 'silent', NATS_PREFIX: prefix, PUBLIC_READINESS_CACHE_MS: '600000' }),
    );
    try {
      const ask = () => cached.app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/health/ready' });
      seen.length = 0;
      expect((await ask()).statusCode).toBe(200);
      expect(seen).toHaveLength(DOMAIN_SERVICES.length);
      await Promise.all(Array.from({ length: 20 }, ask));
      expect(seen).toHaveLength(DOMAIN_SERVICES.length);
    } finally {
      await cached.close();
    }
  });
});
