/**
 * The kustomize manifests, checked offline: every object listed by k8s/base and k8s/overlays/production is
 * validated against the Kubernetes API schema (kubernetes-models), for unknown fields, and for references between
 * objects. Where a kubectl with its built-in kustomize is on PATH, the real `kubectl kustomize` output of each
 * kustomization is checked the same way; elsewhere that part is skipped and the file-level checks still run.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { DEFAULT_HTTP_PORTS, DEFAULT_PROXY_PORT, SERVICE_NAMES, type ServiceName } from '@llmlab/contracts';
import {
  crossReferenceErrors,
  declarationReaderWorks,
  describe as describeObject,
  findBinary,
  K8sObject,
  loadKustomization,
  parseYamlDocuments,
  run,
  schemaErrors,
  selects,
  unknownFieldErrors,
} from './manifest-validation';
import {
  codeDefault,
  deploymentEnv,
  deploymentEnvironmentErrors,
  DOMAIN,
  loadsMasterKey,
  masterKeyAccepted,
  natsBytes,
  natsConfigErrors,
  needsMasterKey,
  resolvedEnv,
  RETIRED_VARIABLES,
  SAMPLE_SECRETS,
  serviceEnvironmentErrors,
} from './service-env';

const K8S = __dirname;
const BASE = join(K8S, 'base');
const PRODUCTION = join(K8S, 'overlays', 'production');
const SPLIT = join(K8S, 'components', 'ingestion-split');
const base = loadKustomization(BASE);
const production = loadKustomization(PRODUCTION);
const split = loadKustomization(SPLIT);
const baseDocs = base.resources.map((r) => r.doc);
const splitDocs = split.resources.map((r) => r.doc);
const find = (docs: K8sObject[], kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name);
const kubectl = findBinary('kubectl', 'KUBECTL');
const natsServer = findBinary('nats-server', 'NATS_SERVER_BIN');
const containerEnv = (docs: K8sObject[], name: string) => deploymentEnv(docs, name);
const environmentErrors = (docs: K8sObject[]) => serviceEnvironmentErrors(docs, (name) => name);

/**
 * `kubectl kustomize` of a kustomization with a component added, as an operator adds it to a copy of the overlay:
 * its files copied to a scratch directory, the directories it builds on referenced where they are.
 */
function buildWithComponent(kubectlBin: string, dir: string, component: string): K8sObject[] {
  const scratch = mkdtempSync(join(tmpdir(), 'llmlab-kustomize-'));
  try {
    for (const file of readdirSync(dir)) if (statSync(join(dir, file)).isFile()) copyFileSync(join(dir, file), join(scratch, file));
    const spec = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'));
    spec.resources = (spec.resources as string[]).map((entry) =>
      statSync(resolve(dir, entry)).isDirectory() ? relative(scratch, resolve(dir, entry)) : entry,
    );
    spec.components = [...(spec.components ?? []), relative(scratch, component)];
    writeFileSync(join(scratch, 'kustomization.yaml'), stringify(spec));
    return parseYamlDocuments(
      run(kubectlBin, ['kustomize', scratch]),
      `kubectl kustomize ${relative(K8S, dir)} + ${relative(K8S, component)}`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

describe('k8s manifests', () => {
  it('reads the fields of the API from kubernetes-models (or the unknown-field check would be blind)', () => {
    expect(declarationReaderWorks()).toBe(true);
    const typo = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x' },
      spec: { selector: {}, template: { spec: { containers: [{ name: 'x', image: 'x:1', readinesProbe: {} }] } } },
    } as K8sObject;
    expect(unknownFieldErrors(typo)).toEqual(['Deployment/x.spec.template.spec.containers[0].readinesProbe is not a field of the API']);
  });

  it('lists every file of k8s/base in its kustomization', () => {
    const listed = new Set(base.spec.resources as string[]);
    const files = readdirSync(BASE).filter((f: string) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect(files.filter((f: string) => !listed.has(f))).toEqual([]);
  });

  for (const [label, k] of [
    ['base', base],
    ['overlays/production', production],
  ] as const) {
    describe(label, () => {
      it('has documents that are valid Kubernetes objects', () => {
        expect(k.resources.length).toBeGreaterThan(0);
        const errors = k.resources.flatMap(({ doc }) => [...schemaErrors(doc), ...unknownFieldErrors(doc)]);
        expect(errors).toEqual([]);
      });

      it('has patches whose fields exist and whose targets are in its resources', () => {
        const errors: string[] = [];
        for (const { file, doc } of k.patches) {
          errors.push(...unknownFieldErrors(doc));
          if (
            !find(
              k.resources.map((r) => r.doc),
              doc.kind,
              doc.metadata.name,
            )
          )
            errors.push(`${file}: patch target ${describeObject(doc)} is not among the resources`);
        }
        expect(errors).toEqual([]);
      });
    });
  }

  it('has consistent references between objects in the base', () => {
    expect(crossReferenceErrors(baseDocs)).toEqual([]);
  });

  it('deploys the eight services on the ports the code defaults to', () => {
    for (const name of SERVICE_NAMES) {
      const deployment = find(baseDocs, 'Deployment', name);
      expect(deployment).toBeDefined();
      const [container] = deployment!.spec.template.spec.containers;
      const port = DEFAULT_HTTP_PORTS[name];
      // The gateway's /metrics and detailed readiness: on its internal listener, INTERNAL_PORT's default; the proxy's
      // calls on a port of their own (PROXY_PORT's default), apart from its health and metrics.
      const internal = name === 'gateway' ? [{ name: 'internal', containerPort: 3100, protocol: 'TCP' }] : [];
      const data = name === 'proxy' ? [{ name: 'proxy', containerPort: DEFAULT_PROXY_PORT, protocol: 'TCP' }] : [];
      expect(container.ports).toEqual([{ name: 'http', containerPort: port, protocol: 'TCP' }, ...internal, ...data]);
      if (name === 'proxy') {
        expect(container.env).toContainEqual({ name: 'PROXY_PORT', value: String(DEFAULT_PROXY_PORT) });
        expect(find(baseDocs, 'Service', name)!.spec.ports.map((p: { name: string; port: number }) => [p.name, p.port])).toEqual([
          ['http', port],
          ['proxy', DEFAULT_PROXY_PORT],
        ]);
        const gatewayEnv = find(baseDocs, 'Deployment', 'gateway')!.spec.template.spec.containers[0].env;
        expect(gatewayEnv).toContainEqual({ name: 'PROXY_URL', value: `http://proxy:${DEFAULT_PROXY_PORT}` });
      }
      const portVar = name === 'gateway' ? 'PORT' : 'HTTP_PORT';
      expect(container.env.find((e: { name: string }) => e.name === portVar)).toEqual({ name: portVar, value: String(port) });
      expect(container.image).toMatch(new RegExp(`^llmlab/${name}:`));
      expect(container.startupProbe.httpGet.path).toBe('/health');
      expect(container.livenessProbe.httpGet.path).toBe('/health');
      expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
      expect(deployment!.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(5);
      expect(container.lifecycle.preStop).toBeDefined();
      expect(find(baseDocs, 'Service', name)).toBeDefined();
      expect(find(baseDocs, 'HorizontalPodAutoscaler', name)?.spec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(find(baseDocs, 'PodDisruptionBudget', name)).toBeDefined();
    }
  });

  it('gives each service only the secrets it needs', () => {
    const secretEnv = (name: string) =>
      find(baseDocs, 'Deployment', name)!
        .spec.template.spec.containers[0].env.filter((e: { valueFrom?: { secretKeyRef?: unknown } }) => e.valueFrom?.secretKeyRef)
        .map((e: { name: string }) => e.name)
        .sort();
    // The gateway verifies tokens with the public keys auth publishes over NATS; its one secret is the operator's
    // token, optional (absent: no operator API).
    expect(secretEnv('gateway')).toEqual(['OPERATOR_API_TOKEN']);
    expect(containerEnv(baseDocs, 'gateway').env.get('OPERATOR_API_TOKEN')).toMatchObject({ key: 'OPERATOR_API_TOKEN', optional: true });
    const common = ['DATABASE_URL', 'EVENTSTORE_CONNECTION_STRING', 'MASTER_ENCRYPTION_KEY', 'MASTER_ENCRYPTION_KEY_PREVIOUS'];
    // Only auth sends mail.
    expect(secretEnv('auth')).toEqual([...common, 'SMTP_URL']);
    expect(secretEnv('alerts')).toEqual(common);
    // The audit service's tree-head signing key is wrapped by the master key.
    expect(secretEnv('audit')).toEqual(common);
    // The provider connections' admin keys are sealed under data keys the master key wraps.
    expect(secretEnv('provider-sync')).toEqual(common);
    for (const name of ['ingestion', 'recommendations']) expect(secretEnv(name)).toEqual(['DATABASE_URL', 'EVENTSTORE_CONNECTION_STRING']);
    // The event store switch is optional: absent from the Secret means PostgreSQL.
    const eventstore = find(baseDocs, 'Deployment', 'auth')!.spec.template.spec.containers[0].env.find(
      (e: { name: string }) => e.name === 'EVENTSTORE_CONNECTION_STRING',
    );
    expect(eventstore.valueFrom.secretKeyRef.optional).toBe(true);
    // So is the previous master key: the Secret holds it only during a rotation.
    for (const name of ['auth', 'alerts', 'audit', 'provider-sync', 'proxy'])
      expect(containerEnv(baseDocs, name).env.get('MASTER_ENCRYPTION_KEY_PREVIOUS')).toMatchObject({
        key: 'MASTER_ENCRYPTION_KEY_PREVIOUS',
        optional: true,
      });
  });

  it('gives MASTER_ENCRYPTION_KEY from the Secret, never optional, to every service that encrypts with it', () => {
    // auth and alerts load it at start and, with NODE_ENV=production, refuse to start without it.
    expect(SERVICE_NAMES.filter(loadsMasterKey)).toEqual(expect.arrayContaining(['auth', 'alerts']));
    expect(find(baseDocs, 'ConfigMap', 'llmlab-config')!.data.NODE_ENV).toBe('production');
    for (const name of SERVICE_NAMES) {
      const source = containerEnv(baseDocs, name).env.get('MASTER_ENCRYPTION_KEY');
      if (needsMasterKey(name)) {
        expect({ name, source }).toEqual({
          name,
          source: { secret: 'llmlab-secrets', key: 'MASTER_ENCRYPTION_KEY', optional: false, from: 'Secret llmlab-secrets' },
        });
      } else {
        expect({ name, source }).toEqual({ name, source: undefined });
      }
    }
  });

  it('gives each service only variables its code reads, with values its code accepts in production', () => {
    expect(environmentErrors(baseDocs)).toEqual([]);
  });

  it('mentions the retired signing-key variables nowhere', () => {
    const files = [...readdirSync(BASE).map((f) => join(BASE, f)), ...readdirSync(PRODUCTION).map((f) => join(PRODUCTION, f))];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const retired of RETIRED_VARIABLES)
        expect({ file, retired, found: text.includes(retired) }).toEqual({ file, retired, found: false });
    }
  });

  it('gives auth and the gateway the token issuer and audience from one ConfigMap, at the code defaults', () => {
    const jwt = find(baseDocs, 'ConfigMap', 'llmlab-jwt-config')!;
    expect(Object.keys(jwt.data).sort()).toEqual(['JWT_AUDIENCE', 'JWT_ISSUER']);
    for (const name of ['auth', 'gateway'] as ServiceName[]) {
      const { env } = containerEnv(baseDocs, name);
      for (const v of ['JWT_ISSUER', 'JWT_AUDIENCE']) {
        expect({ name, v, from: env.get(v)?.from }).toEqual({ name, v, from: 'ConfigMap llmlab-jwt-config' });
        expect({ name, v, value: jwt.data[v] }).toEqual({ name, v, value: codeDefault(name, v) });
      }
    }
    for (const name of SERVICE_NAMES.filter((n) => n !== 'auth' && n !== 'gateway'))
      expect(containerEnv(baseDocs, name).env.has('JWT_ISSUER')).toBe(false);
  });

  it('ships the code defaults of the per-service settings, so the docs and the manifests tell the same story', () => {
    const readers: Record<string, ServiceName> = {
      'llmlab-gateway-config': 'gateway',
      'llmlab-auth-config': 'auth',
      'llmlab-alerts-config': 'alerts',
    };
    for (const [configMap, reader] of Object.entries(readers)) {
      const data = find(baseDocs, 'ConfigMap', configMap)!.data as Record<string, string>;
      expect(Object.keys(data).length).toBeGreaterThan(0);
      for (const [k, v] of Object.entries(data)) expect({ configMap, k, v }).toEqual({ configMap, k, v: codeDefault(reader, k) });
      expect(containerEnv(baseDocs, reader).env.get(Object.keys(data)[0])?.from).toBe(`ConfigMap ${configMap}`);
    }
    // The rate limits and the proxy trust are there to be tuned per deployment.
    expect(Object.keys(find(baseDocs, 'ConfigMap', 'llmlab-gateway-config')!.data)).toEqual(
      expect.arrayContaining([
        'TRUST_PROXY',
        'RATE_LIMIT_MANAGEMENT_PER_HOUR',
        'RATE_LIMIT_INGEST_PER_HOUR',
        'RATE_LIMIT_ANONYMOUS_PER_HOUR',
      ]),
    );
  });

  it('lets the drain finish before Kubernetes kills a pod', () => {
    for (const name of SERVICE_NAMES) {
      const spec = find(baseDocs, 'Deployment', name)!.spec.template.spec;
      const preStop = Number(spec.containers[0].lifecycle.preStop.exec.command[1]);
      const env = resolvedEnv(containerEnv(baseDocs, name).env);
      const shutdownMs = Number(env.SHUTDOWN_TIMEOUT_MS ?? codeDefault(name, 'SHUTDOWN_TIMEOUT_MS'));
      expect({ name, fits: preStop + shutdownMs / 1000 < spec.terminationGracePeriodSeconds }).toEqual({ name, fits: true });
    }
  });

  it('ships a Secret template with placeholders only', () => {
    const secret = find(baseDocs, 'Secret', 'llmlab-secrets')!;
    for (const [key, value] of Object.entries(secret.stringData as Record<string, string>)) {
      expect({ key, placeholder: value.includes('CHANGE_ME') }).toEqual({ key, placeholder: true });
    }
    expect(Object.keys(secret.data ?? {})).toEqual([]);
    expect(Object.keys(secret.stringData).sort()).toEqual(['DATABASE_URL', 'MASTER_ENCRYPTION_KEY', 'MIGRATION_DATABASE_URL']);
    // The placeholder key is one the services refuse, so an unedited template can never run in production.
    expect(masterKeyAccepted(secret.stringData.MASTER_ENCRYPTION_KEY)).toBe(false);
    expect(masterKeyAccepted(SAMPLE_SECRETS.MASTER_ENCRYPTION_KEY)).toBe(true);
  });

  it('runs migrations as a Job with the schema owner, and the services without migrating', () => {
    const job = find(baseDocs, 'Job', 'llmlab-migrate')!;
    const [container] = job.spec.template.spec.containers;
    expect(container.command).toEqual(['node', 'dist/libs/persistence/src/migrate.main.js']);
    expect(container.env.find((e: { name: string }) => e.name === 'MIGRATION_DATABASE_URL').valueFrom.secretKeyRef.key).toBe(
      'MIGRATION_DATABASE_URL',
    );
    expect(container.env.map((e: { name: string }) => e.name).sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'MIGRATION_DATABASE_URL']);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    for (const name of DOMAIN)
      expect({ name, migrate: resolvedEnv(containerEnv(baseDocs, name).env).MIGRATE_ON_START }).toEqual({ name, migrate: 'false' });
  });

  it('runs NATS as a 3-member JetStream cluster that fsyncs every write', () => {
    const sts = find(baseDocs, 'StatefulSet', 'nats')!;
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBeDefined();
    const conf: string = find(baseDocs, 'ConfigMap', 'nats-config')!.data['nats.conf'];
    expect(conf).toMatch(/jetstream \{[\s\S]*sync_interval: always[\s\S]*\}/);
    expect(conf).toMatch(/store_dir: \/data/);
    const routes = [...conf.matchAll(/nats:\/\/(nats-\d)\.nats-headless:6222/g)].map((m) => m[1]);
    expect(routes).toEqual(['nats-0', 'nats-1', 'nats-2']);
    expect(find(baseDocs, 'Service', 'nats-headless')!.spec.publishNotReadyAddresses).toBe(true);
    expect(find(baseDocs, 'PodDisruptionBudget', 'nats')!.spec.maxUnavailable).toBe(1);
    expect(find(baseDocs, 'ConfigMap', 'llmlab-config')!.data.NATS_URL).toBe('nats://nats:4222');
    // Every service that creates streams makes them as replicated as the cluster; the gateway creates none.
    for (const name of SERVICE_NAMES) {
      const replicas = resolvedEnv(containerEnv(baseDocs, name).env).NATS_STREAM_REPLICAS;
      expect({ name, replicas }).toEqual({ name, replicas: name === 'gateway' ? undefined : String(sts.spec.replicas) });
    }
  });

  it('lets NATS carry the largest ingest batch the gateway accepts', () => {
    const conf: string = find(baseDocs, 'ConfigMap', 'nats-config')!.data['nats.conf'];
    const maxPayload = /^max_payload: (\S+)$/m.exec(conf)?.[1];
    expect(maxPayload).toBe('4MB');
    const bodyLimit = Number(resolvedEnv(containerEnv(baseDocs, 'gateway').env).BODY_LIMIT_BYTES);
    expect(bodyLimit).toBe(Number(codeDefault('gateway', 'BODY_LIMIT_BYTES')));
    // A batch travels as one message, its envelope around it.
    expect(natsBytes(maxPayload!)).toBeGreaterThanOrEqual(2 * bodyLimit);
  });

  (natsServer ? it : it.skip)('has a NATS configuration that nats-server accepts', () => {
    expect(natsConfigErrors(natsServer!, find(baseDocs, 'ConfigMap', 'nats-config')!.data['nats.conf'])).toEqual([]);
  });

  it('denies all traffic by default and allows the flows the services need', () => {
    const policies = baseDocs.filter((d) => d.kind === 'NetworkPolicy');
    const deny = find(policies, 'NetworkPolicy', 'default-deny-all')!;
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const pods = (name: string) => find(baseDocs, name === 'nats' ? 'StatefulSet' : 'Deployment', name)!.spec.template.metadata.labels;
    /** Whether some policy lets `from` open a connection to `to` on `port` (egress side, then ingress side). */
    const allowed = (from: string, to: string, port: number) => {
      const egress = policies.some(
        (p) =>
          p.spec.policyTypes.includes('Egress') &&
          selects(p.spec.podSelector, pods(from)) &&
          (p.spec.egress ?? []).some(
            (r: { to?: Array<{ podSelector?: object }>; ports?: Array<{ port: number }> }) =>
              (r.ports ?? []).some((x) => x.port === port) &&
              (r.to ?? []).some((peer) => peer.podSelector && selects(peer.podSelector, pods(to))),
          ),
      );
      const ingressPolicies = policies.filter((p) => p.spec.policyTypes.includes('Ingress') && selects(p.spec.podSelector, pods(to)));
      const ingress = ingressPolicies.some((p) =>
        (p.spec.ingress ?? []).some(
          (r: { from?: Array<{ podSelector?: object }>; ports?: Array<{ port: number | string }> }) =>
            (r.ports ?? []).some((x) => x.port === port || x.port === 'http') &&
            (!r.from || r.from.some((peer) => peer.podSelector && selects(peer.podSelector, pods(from)))),
        ),
      );
      return egress && ingress;
    };
    for (const name of SERVICE_NAMES) {
      expect({ name, nats: allowed(name, 'nats', 4222), redis: allowed(name, 'redis', 6379) }).toEqual({ name, nats: true, redis: true });
    }
    expect(allowed('nats', 'nats', 6222)).toBe(true);
    expect(allowed('gateway', 'auth', 3101)).toBe(false);
    // PostgreSQL is external: reached through ipBlock rules, by the domain services and the migration Job only.
    const reachesPostgres = (name: string, kind = 'Deployment') =>
      policies.some(
        (p) =>
          selects(p.spec.podSelector, find(baseDocs, kind, name)!.spec.template.metadata.labels) &&
          (p.spec.egress ?? []).some((r: { ports?: Array<{ port: number }> }) => (r.ports ?? []).some((x) => x.port === 5432)),
      );
    for (const name of SERVICE_NAMES) expect({ name, postgres: reachesPostgres(name) }).toEqual({ name, postgres: name !== 'gateway' });
    expect(reachesPostgres('llmlab-migrate', 'Job')).toBe(true);
  });

  it('keeps every pod inside the restricted Pod Security profile of its namespace', () => {
    const namespace = find(baseDocs, 'Namespace', 'llmlab')!;
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(base.spec.namespace).toBe('llmlab');
  });

  describe('overlays/production', () => {
    const patched = (kind: string, name: string) =>
      production.patches.find((p) => p.doc.kind === kind && p.doc.metadata.name === name)?.doc;

    it('removes the placeholder Secret and expects the real one out of band', () => {
      expect(patched('Secret', 'llmlab-secrets')?.$patch).toBe('delete');
    });

    it('pins every LLMLab image to a registry and version', () => {
      const images = production.spec.images as Array<{ name: string; newName: string; newTag: string }>;
      expect(images.map((i) => i.name).sort()).toEqual(SERVICE_NAMES.map((n) => `llmlab/${n}`).sort());
      for (const i of images) expect(i.newTag).toMatch(/^\d+\.\d+\.\d+/);
    });

    it('sets the public address of the API and of alert links to the Ingress host', () => {
      const host = find(
        production.resources.map((r) => r.doc),
        'Ingress',
        'gateway',
      )!.spec.rules[0].host;
      expect(patched('ConfigMap', 'llmlab-gateway-config')!.data.PUBLIC_URL).toBe(`https://${host}`);
      expect(patched('ConfigMap', 'llmlab-alerts-config')!.data.ALERTS_APP_URL).toBe(`https://${host}`);
    });

    it('requires NATS members on distinct nodes', () => {
      expect(
        patched('StatefulSet', 'nats')!.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution,
      ).toHaveLength(1);
    });
  });

  const withKubectl = kubectl ? it : it.skip;
  /** `kubectl kustomize` output checked like the files: API schema, references, namespace, each process's environment. */
  const builtErrors = (docs: K8sObject[], external: readonly string[]) => {
    const errors = docs.flatMap((d) => [...schemaErrors(d), ...unknownFieldErrors(d)]);
    errors.push(...crossReferenceErrors(docs, { externalSecrets: [...external] }));
    for (const d of docs)
      if (d.kind !== 'Namespace' && d.metadata.namespace !== 'llmlab') errors.push(`${describeObject(d)} is not in namespace llmlab`);
    errors.push(...environmentErrors(docs));
    return errors;
  };
  for (const [label, dir, external] of [
    ['base', BASE, []],
    ['overlays/production', PRODUCTION, ['llmlab-secrets']],
  ] as const) {
    withKubectl(`builds ${label} with kubectl kustomize into valid, consistent objects`, () => {
      const docs = parseYamlDocuments(run(kubectl!, ['kustomize', dir]), `kubectl kustomize ${label}`);
      expect(builtErrors(docs, external)).toEqual([]);
      expect(docs.some((d) => d.metadata.name === 'ingestion-projection')).toBe(false);
      if (label === 'overlays/production') {
        expect(docs.find((d) => d.kind === 'Secret')).toBeUndefined();
        const images = docs.flatMap((d) => (d.spec?.template?.spec?.containers ?? []).map((c: { image: string }) => c.image));
        expect(images.filter((i: string) => i.startsWith('llmlab/'))).toEqual([]);
      }
    });

    withKubectl(`builds ${label} with the ingestion-split component: an intake and a projection Deployment`, () => {
      const docs = buildWithComponent(kubectl!, dir, SPLIT);
      expect(builtErrors(docs, external)).toEqual([]);
      expect(deploymentEnvironmentErrors(docs, 'ingestion-projection', 'ingestion')).toEqual([]);
      const role = (deployment: string) => resolvedEnv(deploymentEnv(docs, deployment).env).INGESTION_ROLE;
      expect({ intake: role('ingestion'), projection: role('ingestion-projection') }).toEqual({
        intake: 'intake',
        projection: 'projection',
      });
      const intake = find(docs, 'Deployment', 'ingestion')!;
      const projection = find(docs, 'Deployment', 'ingestion-projection')!;
      // The overlay's image and settings reach both; only the intake is autoscaled.
      expect(projection.spec.template.spec.containers[0].image).toBe(intake.spec.template.spec.containers[0].image);
      expect(projection.spec.replicas).toBe(2);
      expect(docs.filter((d) => d.kind === 'HorizontalPodAutoscaler').map((d) => d.spec.scaleTargetRef.name)).not.toContain(
        'ingestion-projection',
      );
    });
  }

  describe('components/ingestion-split', () => {
    const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value));
    /** A base object of the ingestion service as the projection's: renamed, its labels and selectors with it. */
    const asProjection = (doc: K8sObject): K8sObject => {
      const relabel = (value: unknown): unknown => {
        if (Array.isArray(value)) return value.map(relabel);
        if (!value || typeof value !== 'object') return value;
        return Object.fromEntries(
          Object.entries(value).map(([k, v]) => [
            k,
            k === 'app.kubernetes.io/name' && v === 'ingestion' ? 'ingestion-projection' : relabel(v),
          ]),
        );
      };
      const out = relabel(clone(doc)) as K8sObject;
      out.metadata.name = 'ingestion-projection';
      return out;
    };

    it('is a Component listing every file of its directory', () => {
      expect(split.spec.kind).toBe('Component');
      const listed = new Set([
        ...(split.spec.resources as string[]),
        ...(split.spec.patches as Array<{ path: string }>).map((p) => p.path),
      ]);
      const files = readdirSync(SPLIT).filter((f: string) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
      expect(files.filter((f: string) => !listed.has(f))).toEqual([]);
    });

    it('has valid objects, and patches the ingestion Deployment of the base into the intake', () => {
      // A patch is partial: its fields must exist, the whole object need not be there.
      const errors = [
        ...split.resources.flatMap(({ doc }) => [...schemaErrors(doc), ...unknownFieldErrors(doc)]),
        ...split.patches.flatMap(({ doc }) => unknownFieldErrors(doc)),
      ];
      expect(errors).toEqual([]);
      expect(split.patches.map(({ doc }) => describeObject(doc))).toEqual(['Deployment/ingestion']);
      expect(find(baseDocs, 'Deployment', 'ingestion')).toBeDefined();
      const [container] = split.patches[0].doc.spec.template.spec.containers;
      expect(container).toEqual({ name: 'ingestion', env: [{ name: 'INGESTION_ROLE', value: 'intake' }] });
    });

    it("adds the base's ingestion Deployment, Service and budget again as the projection: only names, count and role differ", () => {
      const projection = clone(find(splitDocs, 'Deployment', 'ingestion-projection')!);
      // A fixed count, no autoscaler: one replica projects at a time (an advisory lock), the other stands by.
      expect(projection.spec.replicas).toBe(2);
      delete projection.spec.replicas;
      const [container] = projection.spec.template.spec.containers;
      expect(container.env.filter((e: { name: string }) => e.name === 'INGESTION_ROLE')).toEqual([
        { name: 'INGESTION_ROLE', value: 'projection' },
      ]);
      container.env = container.env.filter((e: { name: string }) => e.name !== 'INGESTION_ROLE');
      expect(projection).toEqual(asProjection(find(baseDocs, 'Deployment', 'ingestion')!));
      for (const kind of ['Service', 'PodDisruptionBudget'])
        expect(find(splitDocs, kind, 'ingestion-projection')).toEqual(asProjection(find(baseDocs, kind, 'ingestion')!));
      expect(splitDocs.map(describeObject).sort()).toEqual(
        ['Deployment', 'PodDisruptionBudget', 'Service'].map((kind) => `${kind}/ingestion-projection`),
      );
    });

    it('fits the base: references resolve, the environment is what the code reads, and no selector takes the other pods', () => {
      const docs = [...baseDocs, ...splitDocs];
      expect(crossReferenceErrors(docs)).toEqual([]);
      expect(deploymentEnvironmentErrors(docs, 'ingestion-projection', 'ingestion')).toEqual([]);
      const pods = (name: string) => find(docs, 'Deployment', name)!.spec.template.metadata.labels;
      const selection = (selector: K8sObject['spec']) => ({
        intake: selects(selector, pods('ingestion')),
        projection: selects(selector, pods('ingestion-projection')),
      });
      for (const name of ['ingestion', 'ingestion-projection']) {
        const expected = { intake: name === 'ingestion', projection: name !== 'ingestion' };
        expect(selection(find(docs, 'Deployment', name)!.spec.selector)).toEqual(expected);
        expect(selection({ matchLabels: find(docs, 'Service', name)!.spec.selector })).toEqual(expected);
        expect(selection(find(docs, 'PodDisruptionBudget', name)!.spec.selector)).toEqual(expected);
      }
      // The same network policies let both reach NATS, Redis and PostgreSQL and be scraped.
      const policies = (name: string) =>
        docs
          .filter((p) => p.kind === 'NetworkPolicy' && selects(p.spec.podSelector, pods(name)))
          .map((p) => p.metadata.name)
          .sort();
      expect(policies('ingestion-projection')).toEqual(policies('ingestion'));
    });
  });

  it('keeps the YAML free of tabs (duplicate keys already fail the parse)', () => {
    for (const { file } of [...base.resources, ...production.resources, ...production.patches, ...split.resources, ...split.patches]) {
      const text = readFileSync(file, 'utf8');
      expect({ file, tabs: text.includes('\t') }).toEqual({ file, tabs: false });
    }
  });
});
