import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { loadConfig } from '@llmlab/config';
import { createGatewayApp, type GatewayApp } from '../src/gateway.app';
import { gatewayEnv } from '../src/gateway.config';

// The dashboard is served by the gateway at /, same origin as the API: a stand-in build in a temporary directory.
describe('the dashboard at /', () => {
  let dir: string;
  let gateway: GatewayApp;
  const inject = (url: string, headers: Record<string, string> = {}) =>
    gateway.app.getHttpAdapter().getInstance().inject({ method: 'GET', url, headers });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'llmlab-web-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><title>LLMLab</title><script type="module" src="/assets/index-AbC123.js"></script>',
    );
    writeFileSync(join(dir, 'assets', 'index-AbC123.js'), 'console.log(1)');
    writeFileSync(join(dir, 'assets', 'index-AbC123.js.br'), brotliCompressSync('console.log(1)'));
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    mkdirSync(join(dir, 'sdk'));
    writeFileSync(join(dir, 'sdk', 'llmlab-sdk.tgz'), Buffer.from([0x1f, 0x8b, 0x08, 0x00]));
    gateway = await createGatewayApp(
      loadConfig(gatewayEnv, { ...process.env, LOG_LEVEL: 'silent', NATS_PREFIX: 'webstatic', WEB_DIST_DIR: dir, TRUST_PROXY: 'loopback' }),
    );
  });
  afterAll(async () => {
    await gateway?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function expectSecurityHeaders(headers: Record<string, unknown>, tls = false) {
    const csp = String(headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(headers['x-frame-options']).toBe('DENY');
    if (tls) {
      expect(headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      expect(csp).toContain('upgrade-insecure-requests');
    } else {
      expect(headers['strict-transport-security']).toBeUndefined();
      expect(csp).not.toContain('upgrade-insecure-requests');
    }
  }

  it('serves index.html at / and at every client-side route, never cached, with the security headers', async () => {
    for (const url of ['/', '/login', '/orgs/0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f51/overview?range=30d', '/signup/']) {
      const res = await inject(url);
      expect([url, res.statusCode, res.headers['content-type']]).toEqual([url, 200, 'text/html; charset=utf-8']);
      expect(res.body).toContain('<title>LLMLab</title>');
      expect(res.headers['cache-control']).toBe('no-cache');
      expectSecurityHeaders(res.headers);
    }
  });

  it('sends HSTS and upgrades requests only behind TLS (a trusted proxy saying https)', async () => {
    expectSecurityHeaders((await inject('/', { 'x-forwarded-proto': 'https' })).headers, true);
  });

  it('caches hashed assets for a year, immutably, and answers a missing file with a 404, not the app', async () => {
    const asset = await inject('/assets/index-AbC123.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-type']).toMatch(/javascript/);
    // Compressed at build time: served as is to a browser that accepts it.
    const compressed = await inject('/assets/index-AbC123.js', { 'accept-encoding': 'br, gzip' });
    expect([compressed.headers['content-encoding'], compressed.headers['cache-control']]).toEqual([
      'br',
      'public, max-age=31536000, immutable',
    ]);
    expect((await inject('/favicon.svg')).headers['cache-control']).toBe('no-cache');
    // The SDK package `npm run build` packs beside the dashboard (scripts/pack-sdk.js): `npm install <origin>/sdk/llmlab-sdk.tgz`.
    const sdk = await inject('/sdk/llmlab-sdk.tgz');
    expect([sdk.statusCode, sdk.headers['cache-control'], sdk.rawPayload.subarray(0, 2).toString('hex')]).toEqual([
      200,
      'no-cache',
      '1f8b',
    ]);
    for (const url of ['/assets/missing-123.js', '/robots.txt']) {
      const res = await inject(url);
      expect([url, res.statusCode]).toEqual([url, 404]);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });

  it('leaves the API, its documentation, health and metrics untouched', async () => {
    const unknown = await inject('/v1/nothing-here');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(unknown.headers['content-security-policy']).toBeUndefined();
    for (const url of ['/v1/me', '/health', '/docs-json', '/metrics']) {
      const res = await inject(url);
      expect([url, res.headers['content-type']]).not.toEqual([url, 'text/html; charset=utf-8']);
      expect(res.headers['content-security-policy']).toBeUndefined();
    }
    expect((await inject('/docs')).body).toContain('swagger');
  });

  it('sends security headers with every HTML answer: Swagger UI too, inline scripts still refused', async () => {
    const docs = await inject('/docs');
    expect(docs.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(docs.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect([docs.headers['x-content-type-options'], docs.headers['referrer-policy'], docs.headers['x-frame-options']]).toEqual([
      'nosniff',
      'strict-origin-when-cross-origin',
      'DENY',
    ]);
    expect((await inject('/docs', { 'x-forwarded-proto': 'https' })).headers['strict-transport-security']).toBe(
      'max-age=31536000; includeSubDomains',
    );
    // One policy per answer: the dashboard's own is not doubled.
    expect(String((await inject('/')).headers['content-security-policy'])).not.toContain('unsafe-inline');
  });
});
