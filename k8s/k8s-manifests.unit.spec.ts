/**
 * The kustomize manifests, checked offline: every object listed by k8s/base and k8s/overlays/production is
 * validated against the Kubernetes API schema (kubernetes-models), for unknown fields, and for references between
 * objects. Where a kubectl with its built-in kustomize is on PATH, the real `kubectl kustomize` output of each
 * kustomization is checked the same way; elsewhere that part is skipped and the file-level checks still run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_HTTP_PORTS, SERVICE_NAMES } from '@llmlab/contracts';
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

const K8S = __dirname;
const BASE = join(K8S, 'base');
const PRODUCTION = join(K8S, 'overlays', 'production');
const base = loadKustomization(BASE);
const production = loadKustomization(PRODUCTION);
const baseDocs = base.resources.map((r) => r.doc);
const find = (docs: K8sObject[], kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name);
const kubectl = findBinary('kubectl', 'KUBECTL');

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
    const files = require('node:fs')
      .readdirSync(BASE)
      .filter((f: string) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
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
          if (!find(k.resources.map((r) => r.doc), doc.kind, doc.metadata.name))
            errors.push(`${file}: patch target ${describeObject(doc)} is not among the resources`);
        }
        expect(errors).toEqual([]);
      });
    });
  }

  it('has consistent references between objects in the base', () => {
    expect(crossReferenceErrors(baseDocs)).toEqual([]);
  });

  it('deploys the seven services on the ports the code defaults to', () => {
    for (const name of SERVICE_NAMES) {
      const deployment = find(baseDocs, 'Deployment', name);
      expect(deployment).toBeDefined();
      const [container] = deployment!.spec.template.spec.containers;
      const port = DEFAULT_HTTP_PORTS[name];
      expect(container.ports).toEqual([{ name: 'http', containerPort: port, protocol: 'TCP' }]);
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
    expect(secretEnv('gateway')).toEqual(['JWT_PUBLIC_KEY']);
    expect(secretEnv('auth')).toEqual(['DATABASE_URL', 'EVENTSTORE_CONNECTION_STRING', 'JWT_PRIVATE_KEY', 'JWT_PUBLIC_KEY']);
    expect(secretEnv('provider-sync')).toEqual(['DATABASE_URL', 'EVENTSTORE_CONNECTION_STRING', 'MASTER_ENCRYPTION_KEY']);
    expect(secretEnv('alerts')).toEqual(['DATABASE_URL', 'EVENTSTORE_CONNECTION_STRING', 'MASTER_ENCRYPTION_KEY']);
    for (const name of ['ingestion', 'recommendations', 'audit']) expect(secretEnv(name)).toEqual(['DATABASE_URL', 'EVENTSTORE_CONNECTION_STRING']);
    // The event store switch is optional: absent from the Secret means PostgreSQL.
    const eventstore = find(baseDocs, 'Deployment', 'auth')!.spec.template.spec.containers[0].env.find(
      (e: { name: string }) => e.name === 'EVENTSTORE_CONNECTION_STRING',
    );
    expect(eventstore.valueFrom.secretKeyRef.optional).toBe(true);
  });

  it('ships a Secret template with placeholders only', () => {
    const secret = find(baseDocs, 'Secret', 'llmlab-secrets')!;
    for (const [key, value] of Object.entries(secret.stringData as Record<string, string>)) {
      expect({ key, placeholder: value.includes('CHANGE_ME') }).toEqual({ key, placeholder: true });
    }
    expect(Object.keys(secret.data ?? {})).toEqual([]);
    expect(secret.stringData.EVENTSTORE_CONNECTION_STRING).toBeUndefined();
  });

  it('runs migrations as a Job with the schema owner, and the services without migrating', () => {
    const job = find(baseDocs, 'Job', 'llmlab-migrate')!;
    const [container] = job.spec.template.spec.containers;
    expect(container.command).toEqual(['node', 'dist/libs/persistence/src/migrate.main.js']);
    expect(container.env.find((e: { name: string }) => e.name === 'MIGRATION_DATABASE_URL').valueFrom.secretKeyRef.key).toBe('MIGRATION_DATABASE_URL');
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(find(baseDocs, 'ConfigMap', 'llmlab-config')!.data.MIGRATE_ON_START).toBe('false');
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
    expect(find(baseDocs, 'ConfigMap', 'llmlab-config')!.data.NATS_STREAM_REPLICAS).toBe(String(sts.spec.replicas));
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
              (r.ports ?? []).some((x) => x.port === port) && (r.to ?? []).some((peer) => peer.podSelector && selects(peer.podSelector, pods(to))),
          ),
      );
      const ingressPolicies = policies.filter((p) => p.spec.policyTypes.includes('Ingress') && selects(p.spec.podSelector, pods(to)));
      const ingress = ingressPolicies.some((p) =>
        (p.spec.ingress ?? []).some(
          (r: { from?: Array<{ podSelector?: object }>; ports?: Array<{ port: number | string }> }) =>
            (r.ports ?? []).some((x) => x.port === port || x.port === 'http') && (!r.from || r.from.some((peer) => peer.podSelector && selects(peer.podSelector, pods(from)))),
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
    const patched = (kind: string, name: string) => production.patches.find((p) => p.doc.kind === kind && p.doc.metadata.name === name)?.doc;

    it('removes the placeholder Secret and expects the real one out of band', () => {
      expect(patched('Secret', 'llmlab-secrets')?.$patch).toBe('delete');
    });

    it('pins every LLMLab image to a registry and version', () => {
      const images = production.spec.images as Array<{ name: string; newName: string; newTag: string }>;
      expect(images.map((i) => i.name).sort()).toEqual(SERVICE_NAMES.map((n) => `llmlab/${n}`).sort());
      for (const i of images) expect(i.newTag).toMatch(/^\d+\.\d+\.\d+/);
    });

    it('requires NATS members on distinct nodes', () => {
      expect(patched('StatefulSet', 'nats')!.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    });
  });

  const withKubectl = kubectl ? it : it.skip;
  for (const [label, dir, external] of [
    ['base', BASE, []],
    ['overlays/production', PRODUCTION, ['llmlab-secrets']],
  ] as const) {
    withKubectl(`builds ${label} with kubectl kustomize into valid, consistent objects`, () => {
      const docs = parseYamlDocuments(run(kubectl!, ['kustomize', dir]), `kubectl kustomize ${label}`);
      const errors = docs.flatMap((d) => [...schemaErrors(d), ...unknownFieldErrors(d)]);
      errors.push(...crossReferenceErrors(docs, { externalSecrets: [...external] }));
      for (const d of docs) if (d.kind !== 'Namespace' && d.metadata.namespace !== 'llmlab') errors.push(`${describeObject(d)} is not in namespace llmlab`);
      expect(errors).toEqual([]);
      if (label === 'overlays/production') {
        expect(docs.find((d) => d.kind === 'Secret')).toBeUndefined();
        const images = docs.flatMap((d) => (d.spec?.template?.spec?.containers ?? []).map((c: { image: string }) => c.image));
        expect(images.filter((i: string) => i.startsWith('llmlab/'))).toEqual([]);
      }
    });
  }

  it('keeps the YAML free of tabs (duplicate keys already fail the parse)', () => {
    for (const { file } of [...base.resources, ...production.resources, ...production.patches]) {
      const text = readFileSync(file, 'utf8');
      expect({ file, tabs: text.includes('\t') }).toEqual({ file, tabs: false });
    }
  });
});
