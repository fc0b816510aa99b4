import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@llmlab/config';
import { createApiClient } from '@llmlab/sdk';
import { createGatewayApp, type GatewayApp } from '../src/gateway.app';
import { gatewayEnv } from '../src/gateway.config';
import { buildOpenApiDocument } from '../src/openapi/openapi';

const ROOT = join(__dirname, '..', '..', '..');

// The SDK's typed client is generated from the gateway's document: the committed types must be exactly what the
// live document generates, or SDK users would compile against an API that is not the one served.
describe("the SDK's typed API client", () => {
  let gateway: GatewayApp;
  let baseUrl: string;

  beforeAll(async () => {
    gateway = await createGatewayApp(loadConfig(gatewayEnv, { ...process.env, LOG_LEVEL: 'silent', NATS_PREFIX: 'sdkclient' }));
    await gateway.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(gateway.app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(() => gateway.close());

  it('has committed exactly the types the live document generates (run `npm run openapi && npm run sdk:generate`)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmlab-sdk-'));
    try {
      const live = join(dir, 'openapi.json');
      writeFileSync(live, JSON.stringify(buildOpenApiDocument(gateway.app)));
      // The generator runs in its own Node process: openapi-typescript needs ES modules Jest's sandbox cannot load.
      const generated = execFileSync(
        process.execPath,
        ['-r', '@swc-node/register', join(ROOT, 'scripts', 'sdk-generate.ts'), live, '--stdout'],
        {
          cwd: ROOT,
          encoding: 'utf8',
          env: { ...process.env, SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
        },
      );
      expect(generated).toBe(readFileSync(join(ROOT, 'libs', 'sdk', 'src', 'generated', 'api.ts'), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('calls the gateway with the credentials given and returns problems as typed errors', async () => {
    const anonymous = createApiClient({ baseUrl: `${baseUrl}/` });
    const health = await anonymous.GET('/health');
    expect(health.response.status).toBe(200);
    expect(health.data).toMatchObject({ status: 'ok' });

    const seen: Request[] = [];
    const keyed = createApiClient({
      baseUrl,
      apiKey: 'llm_test_not-a-real-key',
      headers: { 'x-request-id': 'sdk-client-test-1' },
      fetch: (request) => {
        seen.push(request.clone());
        return fetch(request);
      },
    });
    const { error, response } = await keyed.GET('/v1/projects/{projectId}/costs/summary', {
      params: { path: { projectId: '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f50' }, query: { from: '2025-06-01T00:00:00Z' } },
    });
    expect(response.status).toBe(401);
    expect(error).toMatchObject({ code: 'UNAUTHENTICATED', requestId: 'sdk-client-test-1' });
    expect(seen[0].url).toBe(`${baseUrl}/v1/projects/0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f50/costs/summary?from=2025-06-01T00%3A00%3A00Z`);
    expect(seen[0].headers.get('authorization')).toBe('Bearer llm_test_not-a-real-key');
    expect(seen[0].headers.get('user-agent')).toMatch(/^llmlab-sdk-node\//);
  });

  it('refuses two credentials at once', () => {
    expect(() => createApiClient({ baseUrl, apiKey: 'llm_test_x', accessToken: 'jwt' })).toThrow(/not both/);
  });
});
