/**
 * docker-compose.yml, the Dockerfile and .dockerignore, checked offline (no Docker engine runs on these machines):
 * structure, references between services, health checks, start order, what is published, and agreement with the
 * code (service names and default ports from @llmlab/contracts, the scripts the image build runs).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_HTTP_PORTS, SERVICE_NAMES } from '@llmlab/contracts';
import { findBinary } from './manifest-validation';
import {
  codeDefault,
  natsBytes,
  natsConfigErrors,
  needsMasterKey,
  PROVISIONED_AHEAD,
  reads,
  RETIRED_VARIABLES,
  SAMPLE_SECRETS,
  validateEnv,
} from './service-env';

const ROOT = join(__dirname, '..');
const composeText = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
// Compose files use YAML merge keys (<<) for the shared blocks.
const compose = parse(composeText, { merge: true }) as any;
const services = compose.services as Record<string, any>;
const DOMAIN = SERVICE_NAMES.filter((s) => s !== 'gateway');
const DEPENDENCIES = ['postgres', 'redis', 'nats'];
const CONDITIONS = new Set(['service_started', 'service_healthy', 'service_completed_successfully']);

function dependsOn(name: string): Record<string, { condition: string }> {
  const d = services[name].depends_on ?? {};
  return Array.isArray(d) ? Object.fromEntries(d.map((n: string) => [n, { condition: 'service_started' }])) : d;
}

describe('docker-compose.yml', () => {
  it('defines the dependencies, the migration job and the eight services', () => {
    expect(Object.keys(services).sort()).toEqual([...DEPENDENCIES, 'eventstoredb', 'migrate', ...SERVICE_NAMES].sort());
  });

  it('builds every LLMLab service from the Dockerfile with its own SERVICE, and pulls the rest', () => {
    for (const [name, svc] of Object.entries(services)) {
      expect({ name, hasSource: Boolean(svc.build || svc.image) }).toEqual({ name, hasSource: true });
      if (!svc.build) {
        expect(svc.image).toMatch(/^[\w./-]+:[\w.-]+$/);
        continue;
      }
      expect(existsSync(join(ROOT, svc.build.context, svc.build.dockerfile ?? 'Dockerfile'))).toBe(true);
      const expected = name === 'migrate' ? 'auth' : name;
      expect({ name, SERVICE: svc.build.args?.SERVICE }).toEqual({ name, SERVICE: expected });
    }
    for (const name of SERVICE_NAMES) expect(services[name].image).toMatch(new RegExp(`^llmlab/${name}:`));
  });

  it('health-checks every long-running container, and waits on health only where there is a check', () => {
    for (const [name, svc] of Object.entries(services)) {
      if (name === 'migrate') {
        expect(svc.healthcheck).toEqual({ disable: true });
        expect(svc.restart).toBe('no');
        continue;
      }
      expect({ name, test: Array.isArray(svc.healthcheck?.test) && svc.healthcheck.test.length > 1 }).toEqual({ name, test: true });
    }
    for (const name of Object.keys(services)) {
      for (const [target, { condition }] of Object.entries(dependsOn(name))) {
        expect({ name, target, exists: target in services, condition: CONDITIONS.has(condition) }).toEqual({
          name,
          target,
          exists: true,
          condition: true,
        });
        if (condition === 'service_healthy')
          expect({ name, target, disabled: services[target].healthcheck?.disable === true }).toEqual({ name, target, disabled: false });
        if (condition === 'service_completed_successfully') expect(services[target].restart).toBe('no');
      }
    }
  });

  it('has no dependency cycle', () => {
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (name: string, path: string[]) => {
      if (done.has(name)) return;
      if (visiting.has(name)) throw new Error(`depends_on cycle: ${[...path, name].join(' -> ')}`);
      visiting.add(name);
      for (const target of Object.keys(dependsOn(name))) visit(target, [...path, name]);
      visiting.delete(name);
      done.add(name);
    };
    for (const name of Object.keys(services)) visit(name, []);
  });

  it('starts the dependencies alone (`docker compose up -d postgres redis nats`) and the services after migrations', () => {
    for (const name of DEPENDENCIES) expect(services[name].depends_on).toBeUndefined();
    for (const name of DOMAIN) {
      expect(dependsOn(name)).toEqual({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
        nats: { condition: 'service_healthy' },
        migrate: { condition: 'service_completed_successfully' },
      });
    }
    expect(services.migrate.command).toEqual(['node', 'dist/libs/persistence/src/migrate.main.js']);
    // The gateway comes up last, so `up --wait` returning means the API answers.
    for (const name of DOMAIN) expect(dependsOn('gateway')[name]).toEqual({ condition: 'service_healthy' });
    // A required variable (${X:?}) would fail every command, the dependencies-only one included.
    expect(composeText).not.toMatch(/\$\{[A-Z_]+:?\?/);
  });

  it('publishes the API on every interface and the dependencies on loopback only', () => {
    for (const [name, svc] of Object.entries(services)) {
      const ports: string[] = (svc.ports ?? []).map(String);
      if (name === 'gateway') {
        expect(ports).toEqual(['${GATEWAY_PORT:-3000}:3000']);
      } else if (SERVICE_NAMES.includes(name as never) || name === 'migrate') {
        expect({ name, ports }).toEqual({ name, ports: [] });
      } else {
        for (const p of ports) expect({ name, loopback: p.startsWith('127.0.0.1:') }).toEqual({ name, loopback: true });
      }
    }
  });

  it('configures each service on the port the code defaults to, with the settings it reads', () => {
    for (const name of SERVICE_NAMES) {
      const env = services[name].environment;
      const portVar = name === 'gateway' ? 'PORT' : 'HTTP_PORT';
      expect({ name, port: env[portVar] }).toEqual({ name, port: String(DEFAULT_HTTP_PORTS[name]) });
      expect(env.NATS_URL).toBe('nats://nats:4222');
      expect(env.REDIS_URL).toBe('redis://redis:6379');
      expect(env.NODE_ENV).toBe('production');
      if (name === 'gateway') {
        expect(env.DATABASE_URL).toBeUndefined();
        expect(env.NATS_STREAM_REPLICAS).toBeUndefined();
      } else {
        expect(env.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
        expect(env.MIGRATE_ON_START).toBe('false');
        // One NATS server: streams with more replicas than servers cannot be created.
        expect(env.NATS_STREAM_REPLICAS).toBe('1');
        // Passed through from the shell or .env, and unset when absent: an empty string would count as "set".
        expect(env).toHaveProperty('EVENTSTORE_CONNECTION_STRING', null);
      }
    }
    expect(services.migrate.environment.MIGRATION_DATABASE_URL).toMatch(/^postgres:\/\//);
  });

  it('gives each service only variables its code reads', () => {
    for (const name of SERVICE_NAMES) {
      const known = reads(name);
      const extra = Object.keys(services[name].environment).filter((v) => !known.has(v) && !(PROVISIONED_AHEAD[name] ?? []).includes(v));
      expect({ name, extra }).toEqual({ name, extra: [] });
    }
    // The migration runner reads these three and nothing else (libs/persistence/src/migrate.main.ts).
    expect(Object.keys(services.migrate.environment).sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'MIGRATION_DATABASE_URL']);
    for (const retired of RETIRED_VARIABLES) expect(composeText).not.toContain(retired);
  });

  it('starts every service with an environment its code accepts in production', () => {
    for (const name of SERVICE_NAMES) {
      // Interpolation as Compose does it with nothing in the shell; pass-through keys come from .env.
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(services[name].environment as Record<string, string | null>)) {
        if (v === null) {
          if (k in SAMPLE_SECRETS && k !== 'EVENTSTORE_CONNECTION_STRING') env[k] = SAMPLE_SECRETS[k];
          continue;
        }
        env[k] = String(v).replace(/\$\{([A-Z_]+):-([^}]*)\}/g, (_, _n, fallback) => fallback);
      }
      expect(() => validateEnv(name, env)).not.toThrow();
    }
  });

  it('passes MASTER_ENCRYPTION_KEY through to every service that encrypts with it, and nowhere else', () => {
    for (const name of SERVICE_NAMES) {
      const env = services[name].environment;
      if (needsMasterKey(name)) expect({ name, key: env.MASTER_ENCRYPTION_KEY }).toEqual({ name, key: null });
      else expect({ name, has: 'MASTER_ENCRYPTION_KEY' in env }).toEqual({ name, has: false });
    }
    expect(['auth', 'alerts', 'provider-sync'].every((n) => needsMasterKey(n as never))).toBe(true);
  });

  it('gives auth and the gateway the same token issuer and audience', () => {
    for (const v of ['JWT_ISSUER', 'JWT_AUDIENCE']) {
      expect(services.auth.environment[v]).toBeDefined();
      expect(services.gateway.environment[v]).toBe(services.auth.environment[v]);
      expect(services.gateway.environment[v]).toBe(codeDefault('gateway', v));
    }
  });

  it('links notifications and the API docs to the published gateway port', () => {
    expect(services.gateway.environment.PUBLIC_URL).toBe('http://localhost:${GATEWAY_PORT:-3000}');
    expect(services.alerts.environment.ALERTS_APP_URL).toBe(services.gateway.environment.PUBLIC_URL);
    // Nothing proxies the published port, so no client-supplied X-Forwarded-For is believed by default.
    expect(services.gateway.environment.TRUST_PROXY).toBe('${TRUST_PROXY:-false}');
  });

  it('runs JetStream on a persisted volume with room for the largest ingest batch, and an insecure single-node EventStoreDB for opt-in use', () => {
    const target = services.nats.configs?.find((c: { source: string }) => c.source === 'nats-conf')?.target;
    expect(services.nats.command).toEqual(['--config', target]);
    const conf: string = compose.configs['nats-conf'].content;
    expect(conf).toMatch(/jetstream \{\s*store_dir: \/data\s*\}/);
    expect(conf).toMatch(/^http_port: 8222$/m);
    expect(services.nats.healthcheck.test.join(' ')).toContain('http://127.0.0.1:8222/healthz');
    const maxPayload = /^max_payload: (\S+)$/m.exec(conf)?.[1];
    expect(maxPayload).toBe('4MB');
    // The gateway accepts bodies up to BODY_LIMIT_BYTES and publishes them as one message with an envelope.
    expect(natsBytes(maxPayload!)).toBeGreaterThanOrEqual(2 * Number(codeDefault('gateway', 'BODY_LIMIT_BYTES')));
    expect(services.nats.volumes).toContain('nats-data:/data');
    expect(services.eventstoredb.environment).toMatchObject({ KURRENTDB_INSECURE: 'true', KURRENTDB_CLUSTER_SIZE: '1' });
    expect(composeText).toMatch(/Used only when EVENTSTORE_CONNECTION_STRING is set/);
  });

  const natsServer = findBinary('nats-server', 'NATS_SERVER_BIN');
  (natsServer ? it : it.skip)('has a NATS configuration that nats-server accepts', () => {
    expect(natsConfigErrors(natsServer!, compose.configs['nats-conf'].content)).toEqual([]);
  });

  it('declares every named volume and config it mounts', () => {
    const volumes = new Set(Object.keys(compose.volumes ?? {}));
    const configs = new Set(Object.keys(compose.configs ?? {}));
    for (const [name, svc] of Object.entries(services)) {
      for (const v of svc.volumes ?? []) {
        const source = String(v).split(':')[0];
        if (!source.startsWith('.') && !source.startsWith('/'))
          expect({ name, source, declared: volumes.has(source) }).toEqual({ name, source, declared: true });
      }
      for (const c of svc.configs ?? [])
        expect({ name, config: c.source, declared: configs.has(c.source) }).toEqual({ name, config: c.source, declared: true });
    }
  });

  it('uses only plain ${VAR} and ${VAR:-default} interpolation', () => {
    const uses = [...composeText.matchAll(/(?<!\$)\$\{([^}]*)\}/g)].map((m) => m[1]);
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) expect(u).toMatch(/^[A-Z_][A-Z0-9_]*(:-[^}]*)?$/);
  });
});

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function dockerfileInstructions(text: string): Array<{ op: string; args: string; stage: number }> {
  const out: Array<{ op: string; args: string; stage: number }> = [];
  let stage = -1;
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && current === '')) continue;
    current += (current ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (line.endsWith('\\')) continue;
    const [, op, args] = /^(\w+)\s+([\s\S]*)$/.exec(current) ?? [];
    if (op) {
      if (op.toUpperCase() === 'FROM') stage++;
      out.push({ op: op.toUpperCase(), args, stage });
    }
    current = '';
  }
  return out;
}

describe('Dockerfile', () => {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const instructions = dockerfileInstructions(text);
  const stage = (n: number) => instructions.filter((i) => i.stage === n);
  const froms = instructions.filter((i) => i.op === 'FROM').map((i) => i.args);
  const runtime = stage(froms.length - 1);
  const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

  it('builds on a slim Node 20 image in two stages, the last one being the runtime', () => {
    const nodeImage = /ARG NODE_IMAGE=(\S+)/.exec(text)?.[1];
    expect(nodeImage).toMatch(/^node:20[\w.-]*-slim$/);
    expect(froms).toEqual(['${NODE_IMAGE} AS build', '${NODE_IMAGE} AS runtime']);
  });

  it('runs the scripts package.json defines, and keeps the migration runner', () => {
    const build = stage(0)
      .filter((i) => i.op === 'RUN')
      .map((i) => i.args)
      .join(' ; ');
    for (const script of [...build.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]))
      expect({ script, defined: script in (packageJson.scripts ?? {}) }).toEqual({ script, defined: true });
    expect(build).toMatch(/npm ci/);
    expect(build).toMatch(/npm prune --omit=dev/);
    expect(build).toContain('dist/libs/persistence/src/migrate.main.js');
    expect(build).toContain('libs/*/migrations services/*/migrations');
    expect(build).toContain('nest-cli.json');
  });

  it('installs nothing in the runtime stage and copies only the assembled output', () => {
    const runs = runtime
      .filter((i) => i.op === 'RUN')
      .map((i) => i.args)
      .join(' ; ');
    expect(runs).not.toMatch(/npm (ci|install)|apt-get/);
    const copies = runtime.filter((i) => i.op === 'COPY');
    expect(copies.map((c) => c.args)).toEqual(['--from=build /out/ /app/']);
  });

  it('accepts exactly the eight services as SERVICE', () => {
    const cases = /case "\$\{SERVICE\}" in\s+([\w|-]+)\)/.exec(runtime.map((i) => i.args).join('\n'))?.[1];
    expect(cases?.split('|').sort()).toEqual([...SERVICE_NAMES].sort());
  });

  it('runs as a numeric non-root user, health-checks the service port and starts in exec form', () => {
    const user = runtime.find((i) => i.op === 'USER')?.args;
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
    const healthcheck = runtime.find((i) => i.op === 'HEALTHCHECK')!.args;
    expect(healthcheck).toContain("/health'");
    const defaults = Object.fromEntries(
      [...(/const d=\{([^}]*)\}/.exec(healthcheck)?.[1] ?? '').matchAll(/'?([\w-]+)'?:(\d+)/g)].map((m) => [m[1], Number(m[2])]),
    );
    expect(defaults).toEqual(DEFAULT_HTTP_PORTS);
    expect(runtime.find((i) => i.op === 'CMD')?.args).toBe('["node", "main.js"]');
    expect(runtime.some((i) => i.op === 'ENV' && /SERVICE=\$\{SERVICE\}/.test(i.args))).toBe(true);
  });
});

describe('.dockerignore', () => {
  it('keeps local builds, modules, secrets and VCS data out of the build context', () => {
    const entries = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(entries).toEqual(expect.arrayContaining(['node_modules', 'dist', '.env', '.git', 'services/*/src/generated']));
    // What the build needs must stay in the context.
    for (const needed of [
      'package.json',
      'package-lock.json',
      'nest-cli.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'scripts',
      'libs',
      'services',
      'contracts',
    ])
      expect(entries).not.toContain(needed);
  });
});
