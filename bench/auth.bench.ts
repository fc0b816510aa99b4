// `npm run bench:auth`: what authentication costs at the edge. Boots the gateway and the auth service on a fresh
// database (everything on localhost), signs a user up, then measures in one run, with autocannon:
//   GET /health   no credentials (the baseline: the same gateway, no authentication, no downstream call)
//   GET /v1/me    with an access token (JWT verified locally, rate limit in Redis, profile asked of auth over NATS)
//   GET /v1/me    with an API key (checksum, cached key, rate limit in Redis, answered by the gateway)
//   GET /.well-known/jwks.json   no credentials, one NATS round trip to auth (a second baseline: what the JWT
//                 case pays for asking auth the user's profile, authentication aside)
// once with 1 connection (latency) and once with 10 (throughput). BENCH_SECONDS sets each run's length (10).
import 'reflect-metadata';
import { createPublicKey, randomBytes, type JsonWebKey } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import globalSetup from '../libs/testing/src/global-setup';
import globalTeardown from '../libs/testing/src/global-teardown';
import { createSession, createTestDatabase, TestPlatform } from '@llmlab/testing';
import { verify } from 'jsonwebtoken';

interface AutocannonResult {
  requests: { average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  headers?: Record<string, string>;
}) => PromiseLike<AutocannonResult> & {
  on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void): void;
};
// autocannon ships no types; this is the part used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an untyped CommonJS package, typed just above
const autocannon: Autocannon = require('autocannon');

const seconds = Number(process.env.BENCH_SECONDS ?? 10);

interface Measure {
  scenario: string;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  failed: number;
}

/** The JWT check alone, in this process: jsonwebtoken's RS256 verification as passport-jwt runs it in the gateway. */
async function jwtVerificationMicroseconds(gatewayUrl: string, token: string): Promise<number> {
  const jwks = (await (await fetch(`${gatewayUrl}/.well-known/jwks.json`)).json()) as { keys: (JsonWebKey & { kid: string })[] };
  const kid = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid;
  const key = createPublicKey({ key: jwks.keys.find((k) => k.kid === kid)!, format: 'jwk' });
  const options = { algorithms: ['RS256' as const], issuer: 'llmlab', audience: 'llmlab-api' };
  for (let i = 0; i < 500; i++) verify(token, key, options);
  const rounds = 5_000;
  const started = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) verify(token, key, options);
  return Number(process.hrtime.bigint() - started) / 1_000 / rounds;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** autocannon's own histogram keeps whole milliseconds; the response times it reports are kept here at full precision. */
async function measure(scenario: string, url: string, headers: Record<string, string>, connections: number): Promise<Measure> {
  await autocannon({ url, connections, duration: 2, headers });
  const latencies: number[] = [];
  const run = autocannon({ url, connections, duration: seconds, headers });
  run.on('response', (_client, status, _bytes, ms) => {
    if (status < 300) latencies.push(ms);
  });
  const result = await run;
  latencies.sort((a, b) => a - b);
  return {
    scenario,
    connections,
    rps: Math.round(result.requests.average),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failed: result.non2xx + result.errors + result.timeouts,
  };
}

async function main() {
  await globalSetup();
  const db = await createTestDatabase();
  const platform = await TestPlatform.start({
    databaseUrl: db.url,
    services: ['gateway', 'auth'],
    env: { MASTER_ENCRYPTION_KEY: randomBytes(32).toString('base64'), RATE_LIMIT_MANAGEMENT_PER_HOUR: '1000000000', LOG_LEVEL: 'warn' },
  });
  try {
    const session = await createSession(platform.gatewayUrl);
    const base = platform.gatewayUrl;
    const scenarios: [string, string, Record<string, string>][] = [
      ['GET /health (no auth)', `${base}/health`, {}],
      ['GET /v1/me (JWT)', `${base}/v1/me`, { authorization: `Bearer ${session.accessToken}` }],
      ['GET /v1/me (API key)', `${base}/v1/me`, { 'x-api-key': session.apiKey.key }],
      ['GET /.well-known/jwks.json (no auth, NATS round trip)', `${base}/.well-known/jwks.json`, {}],
    ];
    const results: Measure[] = [];
    for (const connections of [1, 10]) {
      for (const [name, url, headers] of scenarios) {
        results.push(await measure(name, url, headers, connections));
        process.stderr.write(`measured ${name} with ${connections} connection(s)\n`);
      }
    }

    const verifyMicros = await jwtVerificationMicroseconds(base, session.accessToken);
    const ms = (v: number) => v.toFixed(3);
    const lines = [
      `auth benchmark: ${seconds} s per run after a 2 s warm-up; ` +
        `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
      '',
      '| scenario | connections | req/s | p50 (ms) | p99 (ms) | p50 over /health (ms) | non-2xx |',
      '|---|---|---|---|---|---|---|',
      ...results.map((r) => {
        const baseline = results.find((b) => b.connections === r.connections && b.scenario.startsWith('GET /health'))!;
        return `| ${r.scenario} | ${r.connections} | ${r.rps} | ${ms(r.p50)} | ${ms(r.p99)} | ${r === baseline ? '' : ms(r.p50 - baseline.p50)} | ${r.failed} |`;
      }),
    ];
    lines.push('', `JWT verification alone (jsonwebtoken RS256, in process): ${verifyMicros.toFixed(1)} µs per token`);
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await platform.stop();
    await db.drop();
    await globalTeardown();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:auth failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
