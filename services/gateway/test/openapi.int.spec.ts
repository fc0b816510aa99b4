import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@llmlab/config';
import { createGatewayApp, type GatewayApp } from '../src/gateway.app';
import { gatewayEnv } from '../src/gateway.config';
import { buildOpenApiDocument, PUBLIC_PATH } from '../src/openapi/openapi';

// docs/openapi.json is the contract clients are generated from: it must be exactly what the gateway serves.
describe('OpenAPI document', () => {
  let gateway: GatewayApp;
  beforeAll(async () => {
    gateway = await createGatewayApp(loadConfig(gatewayEnv, { ...process.env, LOG_LEVEL: 'silent', NATS_PREFIX: 'openapi' }));
  });
  afterAll(() => gateway.close());

  it('matches the committed docs/openapi.json (run `npm run openapi` after changing a route)', () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'docs', 'openapi.json'), 'utf8'));
    expect(JSON.parse(JSON.stringify(buildOpenApiDocument(gateway.app)))).toEqual(committed);
  });

  it('is served at /docs-json and every operation documents its problem+json errors', async () => {
    const res = await gateway.app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/docs-json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { paths: Record<string, Record<string, { responses: Record<string, unknown>; operationId: string }>> };
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const op of Object.values(item)) {
        expect(op.operationId).toBeTruthy();
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['429', '500']));
        if (!PUBLIC_PATH.test(path)) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '404']));
      }
    }
  });
});
