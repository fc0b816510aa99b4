/**
 * What each process of the platform reads from its environment, taken from the code itself: the zod shapes the
 * processes validate at start. The deployment tests (compose, kustomize, Helm, the docs) compare against these,
 * not against a copy that could drift from the code the way the JWT key variables once did.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ZodRawShape, ZodTypeAny } from 'zod';
import { configHelpers, domainServiceEnv, loadConfig, z } from '@llmlab/config';
import { loadMasterKey } from '@llmlab/crypto';
import { DEFAULT_HTTP_PORTS, SERVICE_NAMES, type ServiceName } from '@llmlab/contracts';
import { gatewayEnv } from '../services/gateway/src/gateway.config';
import { authEnv } from '../services/auth/src/auth.config';
import { ingestionEnv } from '../services/ingestion/src/ingestion.config';
import { alertsEnv } from '../services/alerts/src/alerts.config';
import { providerSyncEnv } from '../services/provider-sync/src/provider-sync.config';
import { recommendationsEnv } from '../services/recommendations/src/recommendations.config';
import { auditEnv } from '../services/audit/src/audit.config';
import { proxyEnv } from '../services/proxy/src/proxy.config';
import type { K8sObject } from './manifest-validation';

export const ROOT = join(__dirname, '..');
export const DOMAIN = SERVICE_NAMES.filter((s) => s !== 'gateway');

/** The `env:` each domain service passes to bootstrapDomainService in its main.ts, by identifier. */
const OWN_ENV: Partial<Record<ServiceName, { identifier: string; shape: ZodRawShape }>> = {
  auth: { identifier: 'authEnv', shape: authEnv },
  ingestion: { identifier: 'ingestionEnv', shape: ingestionEnv },
  alerts: { identifier: 'alertsEnv', shape: alertsEnv },
  'provider-sync': { identifier: 'providerSyncEnv', shape: providerSyncEnv },
  recommendations: { identifier: 'recommendationsEnv', shape: recommendationsEnv },
  audit: { identifier: 'auditEnv', shape: auditEnv },
  proxy: { identifier: 'proxyEnv', shape: proxyEnv },
};

/** The identifier a service's main.ts passes as `env:`, so a service that gains its own variables fails the tests until it is listed above. */
export function declaredOwnEnv(name: ServiceName): string | undefined {
  const main = readFileSync(join(ROOT, 'services', name, 'src', 'main.ts'), 'utf8');
  return /bootstrapDomainService\(\{[\s\S]*?\benv:\s*(\w+)/.exec(main)?.[1];
}

export function listedOwnEnv(name: ServiceName): string | undefined {
  return OWN_ENV[name]?.identifier;
}

/** The shape a process validates: the gateway's own, or the service kit's composition for a domain service (bootstrap.ts). */
export function envShape(name: ServiceName): ZodRawShape {
  if (name === 'gateway') return gatewayEnv;
  return {
    ...domainServiceEnv,
    HTTP_PORT: configHelpers.port(DEFAULT_HTTP_PORTS[name]),
    HOST: z.string().default('0.0.0.0'),
    ...(OWN_ENV[name]?.shape ?? {}),
  };
}

export function reads(name: ServiceName): Set<string> {
  return new Set(Object.keys(envShape(name)));
}

/** The code's default of a variable, as the string an environment would carry; undefined when it has none. */
export function codeDefault(name: ServiceName, variable: string): string | undefined {
  const schema = envShape(name)[variable] as ZodTypeAny | undefined;
  if (!schema) throw new Error(`${name} does not read ${variable}`);
  const value = schema.safeParse(undefined);
  if (!value.success || value.data === undefined) return undefined;
  return Array.isArray(value.data) ? value.data.join(',') : String(value.data);
}

/** Validates an environment the way the process does at start; throws ConfigError naming each bad variable. */
export function validateEnv(name: ServiceName, env: Record<string, string>): void {
  loadConfig(envShape(name), env);
}

/** Whether a service reads the master key (and so refuses to start in production without one): its env declares it. */
export function loadsMasterKey(name: ServiceName): boolean {
  return name !== 'gateway' && 'MASTER_ENCRYPTION_KEY' in (OWN_ENV[name]?.shape ?? {});
}

/** Services given a variable without reading it yet (none now: provider-sync reads the master key it was given). */
export const PROVISIONED_AHEAD: Partial<Record<ServiceName, string[]>> = {};

/** Services that must get MASTER_ENCRYPTION_KEY from the Secret: those that load it, and those it is provisioned for. */
export function needsMasterKey(name: ServiceName): boolean {
  return loadsMasterKey(name) || (PROVISIONED_AHEAD[name] ?? []).includes('MASTER_ENCRYPTION_KEY');
}

/** Accepts a MASTER_ENCRYPTION_KEY exactly as the auth service does in production (32 bytes, canonical base64). */
export function masterKeyAccepted(value: string): boolean {
  try {
    loadMasterKey({ NODE_ENV: 'production', MASTER_ENCRYPTION_KEY: value }, '/nonexistent/master.key', { warn: () => undefined });
    return true;
  } catch {
    return false;
  }
}

/** Values standing in for Secret keys when a manifest's environment is validated against the code. */
export const SAMPLE_SECRETS: Record<string, string> = {
  DATABASE_URL: 'postgres://llmlab_app:secret@db.example.internal:5432/llmlab',
  MIGRATION_DATABASE_URL: 'postgres://llmlab_owner:secret@db.example.internal:5432/llmlab',
  MASTER_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  EVENTSTORE_CONNECTION_STRING: 'esdb://eventstore.example.internal:2113?tls=true',
  REDIS_URL: 'redis://redis.example.internal:6379',
};

/** Variable names that signing keys were once passed under; the auth service makes and rotates its own keys now. */
export const RETIRED_VARIABLES = ['JWT_PRIVATE_KEY', 'JWT_PUBLIC_KEY'];

/** NATS size notation (`4MB`, `4194304`, `1024KB`) in bytes, as nats-server reads it (KB/MB/GB are powers of 1024). */
export function natsBytes(value: string): number {
  const m = /^(\d+)\s*(K|KB|M|MB|G|GB)?$/i.exec(value.trim());
  if (!m) throw new Error(`not a NATS size: ${value}`);
  const unit = (m[2] ?? '').toUpperCase();
  const factor = { '': 1, K: 1000, KB: 1024, M: 1000 ** 2, MB: 1024 ** 2, G: 1000 ** 3, GB: 1024 ** 3 }[unit]!;
  return Number(m[1]) * factor;
}

// ---------------------------------------------------------------------------------------------------------------
// Manifests against the code (kustomize output and rendered Helm charts alike)
// ---------------------------------------------------------------------------------------------------------------

export type EnvSource = { value: string; from: string } | { secret: string; key: string; optional: boolean; from: string };

const findObject = (docs: K8sObject[], kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name);

/**
 * The environment of a service's container (its Deployment, or StatefulSet: the proxy with a persistent spool) as
 * Kubernetes assembles it: envFrom ConfigMaps in order, then env
 * entries. A variable that two sources set is an error: which one wins is easy to get wrong when editing.
 */
export function deploymentEnv(docs: K8sObject[], deployment: string): { env: Map<string, EnvSource>; errors: string[] } {
  const found = findObject(docs, 'Deployment', deployment) ?? findObject(docs, 'StatefulSet', deployment);
  if (!found) throw new Error(`no Deployment or StatefulSet ${deployment}`);
  const [container] = found.spec.template.spec.containers;
  const env = new Map<string, EnvSource>();
  const errors: string[] = [];
  const set = (variable: string, source: EnvSource) => {
    if (env.has(variable)) errors.push(`${deployment}: ${variable} from ${source.from} and ${env.get(variable)!.from}`);
    env.set(variable, source);
  };
  for (const ref of container.envFrom ?? []) {
    const cm = findObject(docs, 'ConfigMap', ref.configMapRef?.name);
    if (!cm) throw new Error(`${deployment}: envFrom ${JSON.stringify(ref)} is not a ConfigMap of these manifests`);
    for (const [k, v] of Object.entries(cm.data ?? {})) set(k, { value: String(v), from: `ConfigMap ${cm.metadata.name}` });
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) set(e.name, { value: e.value, from: 'env' });
    else if (e.valueFrom?.secretKeyRef) {
      const r = e.valueFrom.secretKeyRef;
      set(e.name, { secret: r.name, key: r.key, optional: r.optional === true, from: `Secret ${r.name}` });
    } else if (e.valueFrom?.configMapKeyRef) {
      const r = e.valueFrom.configMapKeyRef;
      set(e.name, { value: String(findObject(docs, 'ConfigMap', r.name)?.data?.[r.key]), from: `ConfigMap ${r.name}` });
    }
  }
  return { env, errors };
}

/** What the process would see, secrets standing in; the optional event store switch is left out (PostgreSQL). */
export function resolvedEnv(env: Map<string, EnvSource>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, source] of env) {
    if ('value' in source) out[k] = source.value;
    else if (!source.optional) out[k] = SAMPLE_SECRETS[source.key];
  }
  return out;
}

/**
 * Every service's environment against its code: only variables it reads (or is provisioned ahead), each set once,
 * values it accepts with NODE_ENV=production, and MASTER_ENCRYPTION_KEY from a Secret, never optional, wherever
 * it is needed and nowhere else.
 */
export function serviceEnvironmentErrors(docs: K8sObject[], deploymentName: (service: ServiceName) => string): string[] {
  return SERVICE_NAMES.flatMap((name) => deploymentEnvironmentErrors(docs, deploymentName(name), name));
}

/** The same checks for one Deployment running service `name`, such as a second Deployment of a service in another role. */
export function deploymentEnvironmentErrors(docs: K8sObject[], deployment: string, name: ServiceName): string[] {
  const { env, errors } = deploymentEnv(docs, deployment);
  const label = deployment === name ? name : `${name} (${deployment})`;
  const known = reads(name);
  for (const variable of env.keys()) {
    if (!known.has(variable) && !(PROVISIONED_AHEAD[name] ?? []).includes(variable))
      errors.push(`${label}: ${variable} is not read by its code`);
  }
  const key = env.get('MASTER_ENCRYPTION_KEY');
  if (needsMasterKey(name) && !(key && 'secret' in key && key.key === 'MASTER_ENCRYPTION_KEY' && !key.optional))
    errors.push(`${label}: MASTER_ENCRYPTION_KEY must come from the Secret, not optional (${key ? key.from : 'absent'})`);
  if (!needsMasterKey(name) && key) errors.push(`${label}: gets MASTER_ENCRYPTION_KEY without needing it`);
  try {
    validateEnv(name, resolvedEnv(env));
  } catch (err) {
    errors.push(`${label}: ${(err as Error).message}`);
  }
  return errors;
}

/** nats.conf options that nats-server 2.9 does not know; the image is 2.10, an older local binary checks the rest. */
const NATS_2_10_OPTIONS = ['sync_interval'];

/** `nats-server -t` on a configuration, as a member of the StatefulSet would read it ($POD_NAME set). */
export function natsConfigErrors(natsServer: string, conf: string): string[] {
  const version = /v(\d+)\.(\d+)/.exec(execFileSync(natsServer, ['--version'], { encoding: 'utf8' }))!;
  const older = Number(version[1]) === 2 && Number(version[2]) < 10;
  const text = older
    ? conf
        .split('\n')
        .filter((l) => !NATS_2_10_OPTIONS.some((o) => l.trim().startsWith(`${o}:`)))
        .join('\n')
    : conf;
  const dir = mkdtempSync(join(tmpdir(), 'llmlab-nats-'));
  try {
    writeFileSync(join(dir, 'nats.conf'), text);
    execFileSync(natsServer, ['-t', '-c', join(dir, 'nats.conf')], {
      env: { ...process.env, POD_NAME: 'nats-0' },
      encoding: 'utf8',
      stdio: 'pipe',
    });
    return [];
  } catch (err) {
    return [String((err as { stderr?: string }).stderr ?? err)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
