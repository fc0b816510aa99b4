import { DOMAIN_SERVICES } from '@llmlab/contracts';
import { createTestDatabase, TestDatabase, TestPlatform } from '@llmlab/testing';

jest.setTimeout(240_000);

// The backbone's main scenario: eight separate processes, readiness aggregated over NATS, graceful SIGTERM of
// any service turning readiness 503 with its name, and back to 200 once it is started again.
describe('platform', () => {
  let db: TestDatabase;
  let platform: TestPlatform;

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await TestPlatform.start({ databaseUrl: db.url });
  });
  afterAll(async () => {
    await platform?.stop();
    await db?.drop();
  });

  it('answers ready with all eight services up', async () => {
    const body = (await platform.waitForReadiness(200)) as unknown as {
      status: string;
      down: string[];
      services: Record<string, { ready: boolean }>;
      dependencies: Record<string, { up: boolean }>;
    };
    expect(body.status).toBe('ok');
    expect(body.down).toEqual([]);
    expect(Object.keys(body.services).sort()).toEqual([...DOMAIN_SERVICES].sort());
    expect(Object.values(body.services).every((s) => s.ready)).toBe(true);
    expect(body.dependencies).toMatchObject({ postgres: { up: true }, nats: { up: true }, redis: { up: true } });
  });

  it('answers the public readiness with statuses only, details staying on the internal listener', async () => {
    const res = await fetch(`${platform.gatewayUrl}/health/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', down: [] });
  });

  it('serves liveness, metrics and the API documentation', async () => {
    expect((await fetch(`${platform.gatewayUrl}/health`)).status).toBe(200);

    const metrics = await fetch(`${platform.gatewayInternalUrl}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('llmlab_http_requests_total');
    // Not on the public listener.
    expect((await fetch(`${platform.gatewayUrl}/metrics`)).status).toBe(404);

    const serviceMetrics = await fetch(`${platform.serviceUrl('auth')}/metrics`);
    expect(await serviceMetrics.text()).toContain('llmlab_nats_requests_total');

    const doc = (await (await fetch(`${platform.gatewayUrl}/docs-json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths['/health/ready']).toBeDefined();

    const ui = await fetch(`${platform.gatewayUrl}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  it('answers errors as problem+json carrying the request id', async () => {
    const res = await fetch(`${platform.gatewayUrl}/v1/no-such-route`, { headers: { 'x-request-id': 'req-e2e-0001' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.headers.get('x-request-id')).toBe('req-e2e-0001');
    expect(await res.json()).toMatchObject({ status: 404, code: 'NOT_FOUND', requestId: 'req-e2e-0001', instance: '/v1/no-such-route' });
  });

  it.each(DOMAIN_SERVICES)('SIGTERM of %s exits 0, readiness turns 503 naming it, then 200 once restarted', async (service) => {
    const exit = await platform.stopService(service, 'SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });

    const down = await platform.waitForReadiness(503);
    expect(down.down).toContain(service);

    await platform.startService(service);
    const up = await platform.waitForReadiness(200);
    expect(up.down).toEqual([]);
  });

  it('answers a route whose service is down with 503 problem+json and Retry-After, then serves it once it is back', async () => {
    await platform.stopService('auth', 'SIGTERM');
    const login = () =>
      fetch(`${platform.gatewayUrl}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'nobody@example.com', password: 'not-the-password-1' }),
      });
    const down = await login();
    expect(down.status).toBe(503);
    expect(down.headers.get('content-type')).toContain('application/problem+json');
    expect(down.headers.get('retry-after')).toBe('2');
    expect(await down.json()).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    await platform.startService('auth');
    await platform.waitForReadiness(200);
    expect((await login()).status).toBe(401);
  });

  it('SIGTERM of the gateway exits 0', async () => {
    expect(await platform.stopService('gateway', 'SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
