/**
 * The Helm chart, checked offline: Chart.yaml, values.yaml against values.schema.json, every `.Values` path the
 * templates read, the template helpers they include. Where a helm binary is on PATH (or named by HELM_BIN), the
 * chart is also linted and rendered with several value sets, and every rendered object is validated like the
 * kustomize manifests; elsewhere that part is skipped and the file-level checks still run.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
// ajv: the chart declares its values schema in JSON Schema draft-07.
import Ajv from 'ajv';
import { parse } from 'yaml';
import { SERVICE_NAMES, DEFAULT_HTTP_PORTS, type ServiceName } from '@llmlab/contracts';
import {
  crossReferenceErrors,
  findBinary,
  K8sObject,
  parseYamlDocuments,
  run,
  schemaErrors,
  selects,
  unknownFieldErrors,
} from '../../k8s/manifest-validation';
import {
  codeDefault,
  deploymentEnv,
  deploymentEnvironmentErrors,
  masterKeyAccepted,
  natsBytes,
  natsConfigErrors,
  needsMasterKey,
  resolvedEnv,
  RETIRED_VARIABLES,
  serviceEnvironmentErrors,
} from '../../k8s/service-env';

const CHART = __dirname;
const ROOT = join(CHART, '..', '..');
type Values = Record<string, any>;
const read = (file: string) => readFileSync(join(CHART, file), 'utf8');
const chart = parse(read('Chart.yaml')) as Values;
const values = parse(read('values.yaml')) as Values;
const schema = JSON.parse(read('values.schema.json'));
const exampleValues = parse(read('ci/example-values.yaml')) as Values;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}
const templates = filesUnder(join(CHART, 'templates')).map((file) => ({ file: relative(CHART, file), text: readFileSync(file, 'utf8') }));
const allTemplateText = templates.map((t) => t.text).join('\n');

function merge(base: Values, override: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(override)) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && out[k] && typeof out[k] === 'object' ? merge(out[k], v) : v;
  }
  return out;
}

function hasPath(obj: Values, path: string[]): boolean {
  let cur: unknown = obj;
  for (const key of path) {
    if (!cur || typeof cur !== 'object' || !(key in (cur as Values))) return false;
    cur = (cur as Values)[key];
  }
  return true;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validateValues = ajv.compile(schema);
const schemaProblems = (v: Values) =>
  validateValues(v) ? [] : (validateValues.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);

describe('helm/llmlab', () => {
  describe('Chart.yaml', () => {
    it('is a v2 application chart with versions in SemVer', () => {
      expect(chart.apiVersion).toBe('v2');
      expect(chart.name).toBe('llmlab');
      expect(chart.type).toBe('application');
      expect(chart.version).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/);
      expect(String(chart.appVersion)).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/);
      expect(typeof chart.description).toBe('string');
      expect(chart.kubeVersion).toMatch(/^>=\s*1\.\d+/);
    });

    it('has only fields Helm knows', () => {
      const known = [
        'apiVersion',
        'name',
        'version',
        'kubeVersion',
        'description',
        'type',
        'keywords',
        'home',
        'sources',
        'dependencies',
        'maintainers',
        'icon',
        'appVersion',
        'deprecated',
        'annotations',
      ];
      expect(Object.keys(chart).filter((k) => !known.includes(k))).toEqual([]);
      for (const m of chart.maintainers ?? []) expect(typeof m.name).toBe('string');
    });

    it('deploys the version of the application in package.json', () => {
      // The default image tag of every service is the appVersion: a release of the code is a release of the chart.
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
      expect(String(chart.appVersion)).toBe(pkg.version);
    });
  });

  describe('values', () => {
    it('declares JSON Schema draft-07 and rejects unknown keys at the top level', () => {
      expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
      expect(schema.additionalProperties).toBe(false);
    });

    it('validates values.yaml and the chart-testing example values against the schema', () => {
      expect(schemaProblems(values)).toEqual([]);
      expect(schemaProblems(merge(values, exampleValues))).toEqual([]);
    });

    it('rejects misspelt keys, wrong types and unknown enum values', () => {
      expect(schemaProblems(merge(values, { nats: { replica: 3 } }))).not.toEqual([]);
      expect(schemaProblems(merge(values, { services: { gateway: { prot: 3000 } } }))).not.toEqual([]);
      expect(schemaProblems(merge(values, { nats: { replicas: '3' } }))).not.toEqual([]);
      expect(schemaProblems(merge(values, { nats: { antiAffinity: 'strict' } }))).not.toEqual([]);
      expect(schemaProblems(merge(values, { nats: { jetstream: { syncInterval: 'sometimes' } } }))).not.toEqual([]);
      expect(schemaProblems(merge(values, { externalDatabase: { url: 'mysql://x' } }))).not.toEqual([]);
      expect(schemaProblems(merge(values, { networkPolicy: { gatewayIngressFrom: [{}] } }))).not.toEqual([]);
      expect(schemaProblems(merge(values, { services: { auth: { resources: { limits: { memory: 'lots' } } } } }))).not.toEqual([]);
    });

    it('keeps the ingestion projection in the ingestion processes unless asked, and checks the switch', () => {
      expect(values.services.ingestion.projection.separate).toBe(false);
      expect(values.services.ingestion.projection.replicas).toBeGreaterThanOrEqual(2);
      const projection = (p: Values) => schemaProblems(merge(values, { services: { ingestion: { projection: p } } }));
      expect(projection({ separate: true, replicas: 1 })).toEqual([]);
      expect(projection({ separate: 'yes' })).not.toEqual([]);
      expect(projection({ replicas: 0 })).not.toEqual([]);
      expect(projection({ seperate: true })).not.toEqual([]);
      expect(projection({ resources: { limits: { memory: 'lots' } } })).not.toEqual([]);
      // Only ingestion has a projection to move.
      expect(schemaProblems(merge(values, { services: { audit: { projection: { separate: true } } } }))).not.toEqual([]);
    });

    it('has every service on the port the code defaults to', () => {
      expect(Object.keys(values.services).sort()).toEqual([...SERVICE_NAMES].sort());
      for (const name of SERVICE_NAMES)
        expect({ name, port: values.services[name].port }).toEqual({ name, port: DEFAULT_HTTP_PORTS[name] });
    });

    it('defaults to HA NATS with JetStream fsync on every write, external PostgreSQL and migrations as a hook', () => {
      expect(values.nats.enabled).toBe(true);
      expect(values.nats.replicas).toBe(3);
      expect(values.nats.jetstream.syncInterval).toBe('always');
      expect(values.config.natsStreamReplicas).toBe(values.nats.replicas);
      expect(values.externalDatabase).toHaveProperty('url');
      expect(values.migrations.enabled).toBe(true);
      expect(values.config.migrateOnStart).toBe(false);
      expect(values.secrets).toHaveProperty('existingSecret');
      expect(values.networkPolicy.enabled).toBe(true);
      expect(values.serviceDefaults.autoscaling.enabled).toBe(true);
      expect(values.serviceDefaults.podDisruptionBudget.enabled).toBe(true);
    });

    it('holds no secret material', () => {
      expect(Object.keys(values.secrets).sort()).toEqual([
        'existingSecret',
        'masterEncryptionKey',
        'masterEncryptionKeyPrevious',
        'operatorApiToken',
        'smtpUrl',
      ]);
      for (const key of ['masterEncryptionKey', 'masterEncryptionKeyPrevious', 'existingSecret', 'smtpUrl', 'operatorApiToken'])
        expect(values.secrets[key]).toBe('');
      expect(values.externalDatabase.url).toBe('');
      expect(values.eventstore.connectionString).toBe('');
    });

    it('ships the code defaults of the settings it exposes', () => {
      const { jwt, gateway, auth } = values.config;
      // One value for both: the gateway refuses tokens whose iss or aud differ from what auth issues.
      for (const name of ['auth', 'gateway'] as ServiceName[]) {
        expect(jwt.issuer).toBe(codeDefault(name, 'JWT_ISSUER'));
        expect(jwt.audience).toBe(codeDefault(name, 'JWT_AUDIENCE'));
      }
      const expected: Array<[ServiceName, string, unknown]> = [
        ['gateway', 'TRUST_PROXY', gateway.trustProxy],
        ['gateway', 'BODY_LIMIT_BYTES', gateway.bodyLimitBytes],
        ['gateway', 'RATE_LIMIT_MANAGEMENT_PER_HOUR', gateway.rateLimits.managementPerHour],
        ['gateway', 'RATE_LIMIT_INGEST_PER_HOUR', gateway.rateLimits.ingestPerHour],
        ['gateway', 'RATE_LIMIT_ANONYMOUS_PER_HOUR', gateway.rateLimits.anonymousPerHour],
        ['gateway', 'RATE_LIMIT_PRICING_REFRESH_PER_HOUR', gateway.rateLimits.pricingRefreshPerHour],
        ['gateway', 'PRICING_ADMIN_ORGANIZATIONS', gateway.pricingAdminOrganizations.join(',')],
        ['auth', 'RATE_LIMIT_OVERRIDE_MAX_PER_HOUR', auth.rateLimitOverrideMaxPerHour],
        ['auth', 'LOGIN_MAX_FAILURES_PER_ACCOUNT', auth.loginMaxFailuresPerAccount],
        ['auth', 'LOGIN_MAX_FAILURES_PER_IP', auth.loginMaxFailuresPerIp],
        ['auth', 'LOGIN_THROTTLE_WINDOW_SECONDS', auth.loginThrottleWindowSeconds],
        ['alerts', 'ALERTS_TRUSTED_ORIGINS', values.config.alerts.trustedOrigins.join(',')],
      ];
      for (const [name, variable, value] of expected)
        expect({ variable, value: String(value) }).toEqual({ variable, value: codeDefault(name, variable) });
    });

    it('lets NATS carry the largest ingest batch the gateway accepts', () => {
      expect(values.nats.maxPayload).toBe('4MB');
      expect(natsBytes(values.nats.maxPayload)).toBeGreaterThanOrEqual(2 * values.config.gateway.bodyLimitBytes);
    });

    it('accepts exactly the master keys the services accept', () => {
      const schemaAccepts = (key: string) => schemaProblems(merge(values, { secrets: { masterEncryptionKey: key } })).length === 0;
      const templateRegex = new RegExp(/regexMatch "([^"]+)" \$masterKey/.exec(read('templates/secret.yaml'))![1]);
      const samples = [
        ...Array.from({ length: 200 }, () => randomBytes(32).toString('base64')),
        ...Array.from({ length: 20 }, () => randomBytes(31).toString('base64')),
        ...Array.from({ length: 20 }, () => randomBytes(33).toString('base64')),
        ...Array.from({ length: 20 }, () => randomBytes(32).toString('base64url')),
        ...Array.from({ length: 20 }, () => randomBytes(32).toString('hex')),
        // The same 32 bytes with non-zero padding bits: Node decodes them, the services refuse them.
        ...Array.from({ length: 20 }, () =>
          randomBytes(32)
            .toString('base64')
            .replace(/(.)=$/, (_, c) => (c === 'B' ? 'C' : 'B') + '='),
        ),
        'CHANGE_ME',
        'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
        exampleValues.secrets.masterEncryptionKey,
      ];
      for (const key of samples) {
        const accepted = masterKeyAccepted(key);
        expect({ key, schema: schemaAccepts(key), template: templateRegex.test(key.trim()) }).toEqual({
          key,
          schema: accepted,
          template: accepted,
        });
      }
      expect(samples.filter(masterKeyAccepted).length).toBeGreaterThan(200);
      // What `openssl rand -base64 32 > key` and `--set-file` give: the services trim it too.
      expect(schemaAccepts(samples[0] + '\n')).toBe(true);
      expect(masterKeyAccepted(samples[0] + '\n')).toBe(true);
    });
  });

  describe('templates', () => {
    const referenced = [...allTemplateText.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)].map((m) => m[1].slice(1));

    it('read only values that values.yaml defines', () => {
      expect(referenced.length).toBeGreaterThan(50);
      const missing = [...new Set(referenced)].filter((path) => !hasPath(values, path.split('.')));
      expect(missing).toEqual([]);
    });

    it('use every knob values.yaml defines', () => {
      const used = new Set(referenced);
      const isUsed = (path: string) => [...used].some((u) => u === path || u.startsWith(path + '.') || path.startsWith(u + '.'));
      const unused: string[] = [];
      const walk = (obj: Values, prefix: string) => {
        for (const [k, v] of Object.entries(obj)) {
          const path = prefix ? `${prefix}.${k}` : k;
          if (path === 'services' || path === 'serviceDefaults') continue; // merged per service, checked below
          if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) walk(v, path);
          else if (!isUsed(path)) unused.push(path);
        }
      };
      walk(values, '');
      expect(unused).toEqual([]);
      // serviceDefaults and services.<name> are merged into $svc, which the templates read key by key.
      const svcKeys = new Set([...allTemplateText.matchAll(/\$svc\.([A-Za-z_]+)/g)].map((m) => m[1]));
      const perService = new Set([
        ...Object.keys(values.serviceDefaults),
        ...Object.values(values.services).flatMap((s) => Object.keys(s as Values)),
      ]);
      expect([...perService].filter((k) => !svcKeys.has(k))).toEqual([]);
    });

    it('include only helpers that are defined, and define each once', () => {
      const defines = [...allTemplateText.matchAll(/\{\{-?\s*define\s+"([^"]+)"/g)].map((m) => m[1]);
      expect(new Set(defines).size).toBe(defines.length);
      const included = new Set([...allTemplateText.matchAll(/\b(?:include|template)\s+"([^"]+)"/g)].map((m) => m[1]));
      expect([...included].filter((n) => !defines.includes(n))).toEqual([]);
      expect(defines.filter((n) => !included.has(n))).toEqual([]);
    });

    it('never mention the retired signing-key variables or values', () => {
      const files = [
        ...templates,
        { file: 'values.yaml', text: read('values.yaml') },
        { file: 'values.schema.json', text: read('values.schema.json') },
        { file: 'ci/example-values.yaml', text: read('ci/example-values.yaml') },
      ];
      for (const { file, text } of files) {
        for (const retired of [...RETIRED_VARIABLES, 'jwtPrivateKey', 'jwtPublicKey'])
          expect({ file, retired, found: text.includes(retired) }).toEqual({ file, retired, found: false });
      }
    });

    it('print numbers from values through int64 (Helm reads them as floats: 1000000 would render as 1e+06)', () => {
      const configMaps = templates.find((t) => t.file === 'templates/configmap.yaml')!.text;
      const numeric = [...configMaps.matchAll(/^\s*[A-Z][A-Z0-9_]*: \{\{\s*\.Values\.(config(?:\.[A-Za-z]+)+)([^}]*)\}\}/gm)].filter(
        ([, path]) => {
          const value = path.split('.').reduce((o: Values, k) => o?.[k], values);
          return typeof value === 'number';
        },
      );
      expect(numeric.length).toBeGreaterThanOrEqual(8);
      for (const [, path, pipeline] of numeric) expect({ path, int64: /\|\s*int64\b/.test(pipeline) }).toEqual({ path, int64: true });
    });

    it('have balanced template delimiters and control blocks', () => {
      for (const { file, text } of templates) {
        const code = text.replace(/\{\{-?\s*\/\*[\s\S]*?\*\/\s*-?\}\}/g, '');
        expect({ file, open: (code.match(/\{\{/g) ?? []).length }).toEqual({ file, open: (code.match(/\}\}/g) ?? []).length });
        const actions = [...code.matchAll(/\{\{-?\s*(\w+)/g)].map((m) => m[1]);
        const opens = actions.filter((a) => ['if', 'range', 'with', 'define'].includes(a)).length;
        expect({ file, blocks: opens }).toEqual({ file, blocks: actions.filter((a) => a === 'end').length });
      }
    });

    it('render the objects the chart promises', () => {
      const kinds = (file: string) => [...(templates.find((t) => t.file === file)?.text ?? '').matchAll(/^kind: (\w+)/gm)].map((m) => m[1]);
      // A Deployment per service; the proxy's is a StatefulSet when its spool is to outlive its pods.
      // One helper decides the kind, for the workload and for its HPA's target alike.
      expect(templates.find((t) => t.file === 'templates/_helpers.tpl')!.text).toMatch(
        /define "llmlab\.workloadKind"[\s\S]*?StatefulSet\{\{- else -\}\}Deployment/,
      );
      for (const file of ['templates/deployments.yaml', 'templates/hpa.yaml'])
        expect(templates.find((t) => t.file === file)!.text).toContain('include "llmlab.workloadKind"');
      expect(templates.find((t) => t.file === 'templates/deployments.yaml')!.text).toMatch(/^kind: \{\{ \$kind \}\}$/m);
      expect(kinds('templates/hpa.yaml')).toEqual(['HorizontalPodAutoscaler']);
      expect(kinds('templates/pdb.yaml')).toEqual(['PodDisruptionBudget', 'PodDisruptionBudget']);
      expect(kinds('templates/nats.yaml')).toEqual(['ConfigMap', 'Service', 'Service', 'StatefulSet']);
      expect(kinds('templates/migrations-job.yaml')).toEqual(['Secret', 'Job']);
      expect(kinds('templates/networkpolicies.yaml').every((k) => k === 'NetworkPolicy')).toBe(true);
      expect(kinds('templates/eventstore.yaml')).toEqual(['Service', 'StatefulSet', 'PodDisruptionBudget']);
      const job = templates.find((t) => t.file === 'templates/migrations-job.yaml')!.text;
      expect(job).toContain('helm.sh/hook: pre-install,pre-upgrade');
      expect(job).toContain('dist/libs/persistence/src/migrate.main.js');
      expect(templates.some((t) => t.file === 'templates/NOTES.txt')).toBe(true);
    });
  });

  const helm = findBinary('helm', 'HELM_BIN');
  const withHelm = helm ? it : it.skip;
  const exampleFile = join(CHART, 'ci', 'example-values.yaml');
  const render = (args: string[]) =>
    parseYamlDocuments(run(helm!, ['template', 'rel', CHART, '--namespace', 'llmlab', ...args]), 'helm template');
  const deployment = (name: string) => `rel-llmlab-${name}`;
  const check = (docs: K8sObject[], externalSecrets: string[] = []) => [
    ...docs.flatMap((d) => [...schemaErrors(d), ...unknownFieldErrors(d)]),
    ...crossReferenceErrors(docs, { externalSecrets }),
    // Each service gets only what its code reads, in values its code accepts, and the master key where needed.
    ...serviceEnvironmentErrors(docs, deployment),
    ...docs.flatMap((d) =>
      RETIRED_VARIABLES.filter((v) => JSON.stringify(d).includes(v)).map((v) => `${d.kind}/${d.metadata.name} mentions ${v}`),
    ),
  ];
  const natsServer = findBinary('nats-server', 'NATS_SERVER_BIN');

  describe('rendered with helm', () => {
    withHelm('lints cleanly', () => {
      expect(() => run(helm!, ['lint', '--strict', CHART, '-f', exampleFile])).not.toThrow();
    });

    withHelm('refuses to render without a database URL and keys, naming what is missing', () => {
      expect(() => run(helm!, ['template', 'rel', CHART])).toThrow(/externalDatabase\.url is required/);
      const url = ['--set', `externalDatabase.url=${exampleValues.externalDatabase.url}`];
      expect(() => run(helm!, ['template', 'rel', CHART, ...url])).toThrow(
        /secrets\.masterEncryptionKey is required[\s\S]*openssl rand -base64 32/,
      );
      // Well-formed for the schema's eyes is not enough: the template applies the services' own rule.
      const nonCanonical = Buffer.alloc(32).toString('base64').replace(/A=$/, 'B=');
      expect(masterKeyAccepted(nonCanonical)).toBe(false);
      expect(() => run(helm!, ['template', 'rel', CHART, ...url, '--set', `secrets.masterEncryptionKey=${nonCanonical}`])).toThrow(
        /masterEncryptionKey/,
      );
      // An existing Secret carries the key instead.
      expect(() => run(helm!, ['template', 'rel', CHART, '--set', 'secrets.existingSecret=llmlab-prod'])).not.toThrow();
    });

    withHelm("gives auth alone the SMTP server's URL, from the Secret, and puts it there only when set", () => {
      const smtp = 'smtps://mailer:pw@smtp.example.com:465';
      const without = render(['-f', exampleFile]).find((d) => d.kind === 'Secret' && d.metadata.name === 'rel-llmlab-secrets')!;
      expect(without.stringData.SMTP_URL).toBeUndefined();
      const docs = render(['-f', exampleFile, '--set', `secrets.smtpUrl=${smtp}`]);
      expect(check(docs)).toEqual([]);
      const secret = docs.find((d) => d.kind === 'Secret' && d.metadata.name === 'rel-llmlab-secrets')!;
      expect(secret.stringData.SMTP_URL).toBe(smtp);
      for (const name of SERVICE_NAMES) {
        const key = deploymentEnv(docs, deployment(name)).env.get('SMTP_URL');
        expect({ name, key }).toEqual({
          name,
          key:
            name === 'auth'
              ? { secret: 'rel-llmlab-secrets', key: 'SMTP_URL', optional: true, from: 'Secret rel-llmlab-secrets' }
              : undefined,
        });
      }
    });

    withHelm("gives the gateway alone the operator's token, from the Secret, put there only when set and long enough", () => {
      const token = 'o'.repeat(48);
      const without = render(['-f', exampleFile]).find((d) => d.kind === 'Secret' && d.metadata.name === 'rel-llmlab-secrets')!;
      expect(without.stringData.OPERATOR_API_TOKEN).toBeUndefined();
      const docs = render(['-f', exampleFile, '--set', `secrets.operatorApiToken=${token}`]);
      expect(check(docs)).toEqual([]);
      const secret = docs.find((d) => d.kind === 'Secret' && d.metadata.name === 'rel-llmlab-secrets')!;
      expect(secret.stringData.OPERATOR_API_TOKEN).toBe(token);
      for (const name of SERVICE_NAMES) {
        const key = deploymentEnv(docs, deployment(name)).env.get('OPERATOR_API_TOKEN');
        expect({ name, key }).toEqual({
          name,
          key:
            name === 'gateway'
              ? { secret: 'rel-llmlab-secrets', key: 'OPERATOR_API_TOKEN', optional: true, from: 'Secret rel-llmlab-secrets' }
              : undefined,
        });
      }
      expect(() => render(['-f', exampleFile, '--set', `secrets.operatorApiToken=${'o'.repeat(31)}`])).toThrow(/operatorApiToken/);
    });

    withHelm(
      'gives auth, alerts, audit, provider-sync and the proxy the previous master key during a rotation, and only then puts it in the Secret',
      () => {
        const previous = Buffer.alloc(32, 9).toString('base64');
        const docs = render(['-f', exampleFile, '--set', `secrets.masterEncryptionKeyPrevious=${previous}`]);
        expect(check(docs)).toEqual([]);
        const secret = docs.find((d) => d.kind === 'Secret' && d.metadata.name === 'rel-llmlab-secrets')!;
        expect(secret.stringData.MASTER_ENCRYPTION_KEY_PREVIOUS).toBe(previous);
        for (const name of SERVICE_NAMES) {
          const key = deploymentEnv(docs, deployment(name)).env.get('MASTER_ENCRYPTION_KEY_PREVIOUS');
          expect({ name, key }).toEqual({
            name,
            key: ['auth', 'alerts', 'audit', 'provider-sync', 'proxy'].includes(name)
              ? { secret: 'rel-llmlab-secrets', key: 'MASTER_ENCRYPTION_KEY_PREVIOUS', optional: true, from: 'Secret rel-llmlab-secrets' }
              : undefined,
          });
        }
        const nonCanonical = Buffer.alloc(32).toString('base64').replace(/A=$/, 'B=');
        expect(() => render(['-f', exampleFile, '--set', `secrets.masterEncryptionKeyPrevious=${nonCanonical}`])).toThrow(
          /masterEncryptionKeyPrevious/,
        );
      },
    );

    withHelm('renders valid, consistent objects with the example values', () => {
      const docs = render(['-f', exampleFile]);
      expect(check(docs)).toEqual([]);
      expect(
        docs
          .filter((d) => d.kind === 'Deployment')
          .map((d) => d.metadata.name)
          .sort(),
      ).toEqual([...SERVICE_NAMES.map((n) => `rel-llmlab-${n}`), 'rel-llmlab-redis'].sort());
      const nats = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'rel-llmlab-nats-config')!.data['nats.conf'];
      expect(nats).toContain('sync_interval: always');
      expect([...nats.matchAll(/nats:\/\/rel-llmlab-nats-\d\.rel-llmlab-nats-headless:6222/g)]).toHaveLength(3);
      const job = docs.find((d) => d.kind === 'Job')!;
      expect(job.metadata.annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
      expect(nats).toMatch(/^max_payload: 4MB$/m);
      if (natsServer) expect(natsConfigErrors(natsServer, nats)).toEqual([]);
      const gateway = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'rel-llmlab-gateway')!;
      // One optional secret, the operator's token: the gateway verifies tokens with the keys auth publishes over NATS.
      expect(gateway.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name)).toEqual([
        'PORT',
        'INTERNAL_PORT',
        'PROXY_URL',
        'OPERATOR_API_TOKEN',
      ]);
      // /proxy/* goes to the proxy's Service, on its data port (its service port keeps health and metrics, which only
      // the kubelet and the scrapers reach); the proxy spools onto a volume of its own.
      const envOf = (name: string) =>
        docs.find((d) => d.kind === 'Deployment' && d.metadata.name === name)!.spec.template.spec.containers[0].env;
      expect(envOf('rel-llmlab-gateway').find((e: { name: string }) => e.name === 'PROXY_URL').value).toBe('http://rel-llmlab-proxy:3008');
      expect(envOf('rel-llmlab-proxy').find((e: { name: string }) => e.name === 'PROXY_PORT').value).toBe('3008');
      const proxyService = docs.find((d) => d.kind === 'Service' && d.metadata.name === 'rel-llmlab-proxy')!;
      expect(proxyService.spec.ports).toEqual([
        { name: 'http', port: 3107, targetPort: 'http', protocol: 'TCP' },
        { name: 'proxy', port: 3008, targetPort: 'proxy', protocol: 'TCP' },
      ]);
      const proxy = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'rel-llmlab-proxy')!.spec.template.spec;
      const spoolDir = envOf('rel-llmlab-proxy').find((e: { name: string }) => e.name === 'PROXY_SPOOL_DIR').value;
      expect(proxy.containers[0].volumeMounts).toContainEqual({ name: 'spool', mountPath: spoolDir });
      expect(proxy.volumes).toContainEqual({ name: 'spool', emptyDir: { sizeLimit: '2Gi' } });
      const proxyIngress = docs.find((d) => d.kind === 'NetworkPolicy' && d.metadata.name === 'rel-llmlab-proxy-ingress')!;
      expect(proxyIngress.spec.ingress[0].from[0].podSelector.matchLabels['app.kubernetes.io/component']).toBe('gateway');
      expect(proxyIngress.spec.ingress[0].ports).toEqual([{ port: 'proxy', protocol: 'TCP' }]);
      expect(proxy.containers[0].ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort])).toEqual([
        ['http', 3107],
        ['proxy', 3008],
      ]);
      // /metrics and the detailed readiness: on the internal listener, behind a ClusterIP Service of its own.
      const services = docs.filter((d) => d.kind === 'Service');
      const publicPorts = services.find((d) => d.metadata.name === 'rel-llmlab-gateway')!.spec.ports;
      expect(publicPorts.map((p: { name: string }) => p.name)).toEqual(['http']);
      const internal = services.find((d) => d.metadata.name === 'rel-llmlab-gateway-internal')!;
      expect(internal.spec).toMatchObject({ type: 'ClusterIP', ports: [{ name: 'internal', port: 3100, targetPort: 'internal' }] });
      expect(gateway.spec.template.spec.containers[0].readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'internal' });
      const env = (name: string) => resolvedEnv(deploymentEnv(docs, deployment(name)).env);
      expect(env('gateway').PUBLIC_URL).toBe('https://llmlab.example.com');
      expect(env('alerts').ALERTS_APP_URL).toBe('https://llmlab.example.com');
      for (const name of ['auth', 'gateway']) expect(env(name)).toMatchObject({ JWT_ISSUER: 'llmlab', JWT_AUDIENCE: 'llmlab-api' });
      for (const name of SERVICE_NAMES) {
        const key = deploymentEnv(docs, deployment(name)).env.get('MASTER_ENCRYPTION_KEY');
        expect({ name, key: key && 'secret' in key ? `${key.secret}/${key.key}` : undefined }).toEqual({
          name,
          key: needsMasterKey(name) ? 'rel-llmlab-secrets/MASTER_ENCRYPTION_KEY' : undefined,
        });
        expect({ name, replicas: env(name).NATS_STREAM_REPLICAS }).toEqual({ name, replicas: name === 'gateway' ? undefined : '3' });
      }
      const secret = docs.find((d) => d.kind === 'Secret' && d.metadata.name === 'rel-llmlab-secrets')!;
      expect(Object.keys(secret.stringData).sort()).toEqual(['DATABASE_URL', 'MASTER_ENCRYPTION_KEY', 'MIGRATION_DATABASE_URL']);
    });

    withHelm('renders large numbers and per-deployment settings as the services read them', () => {
      const docs = render([
        '-f',
        exampleFile,
        '--set',
        'config.gateway.rateLimits.ingestPerHour=2000000',
        '--set',
        'config.auth.rateLimitOverrideMaxPerHour=10000000',
        '--set',
        'config.gateway.trustProxy=false',
        '--set',
        'config.alerts.appUrl=https://app.example.com',
        '--set',
        'config.alerts.trustedOrigins={http://mattermost.internal:8065,https://relay.internal}',
        '--set',
        'config.jwt.issuer=https://auth.example.com',
        '--set',
        'config.gateway.pricingAdminOrganizations={0192f3a4-5b6c-7d8e-9f00-112233445566}',
        // JSON numbers arrive as floats, like numbers in a values file.
        '--set-json',
        'services.gateway.extraEnv={"REQUEST_TIMEOUT_MS":10000000}',
        '--set-json',
        'config.extraEnv={"SHUTDOWN_TIMEOUT_MS":20000}',
      ]);
      expect(check(docs)).toEqual([]);
      const env = (name: string) => resolvedEnv(deploymentEnv(docs, deployment(name)).env);
      expect(env('gateway')).toMatchObject({
        RATE_LIMIT_INGEST_PER_HOUR: '2000000',
        TRUST_PROXY: 'false',
        JWT_ISSUER: 'https://auth.example.com',
        REQUEST_TIMEOUT_MS: '10000000',
        PRICING_ADMIN_ORGANIZATIONS: '0192f3a4-5b6c-7d8e-9f00-112233445566',
        SHUTDOWN_TIMEOUT_MS: '20000',
      });
      expect(env('auth')).toMatchObject({ RATE_LIMIT_OVERRIDE_MAX_PER_HOUR: '10000000', JWT_ISSUER: 'https://auth.example.com' });
      expect(env('alerts')).toMatchObject({
        ALERTS_APP_URL: 'https://app.example.com',
        ALERTS_TRUSTED_ORIGINS: 'http://mattermost.internal:8065,https://relay.internal',
      });
    });

    withHelm('runs the proxy as a StatefulSet with a volume per pod when its spool is to outlive the pod', () => {
      const persistent = [
        '--set',
        'services.proxy.spool.persistence.enabled=true',
        '--set',
        'services.proxy.spool.persistence.storageClassName=fast-ssd',
        '--set',
        'services.proxy.spool.size=5Gi',
        '--set',
        'services.proxy.autoscaling.enabled=true',
      ];
      const docs = render(['-f', exampleFile, ...persistent]);
      expect(check(docs)).toEqual([]);
      const named = (kind: string) => docs.filter((d) => d.kind === kind && d.metadata.name === 'rel-llmlab-proxy');
      expect(named('Deployment')).toEqual([]);
      const [proxy] = named('StatefulSet');
      expect(proxy.spec).toMatchObject({ serviceName: 'rel-llmlab-proxy', podManagementPolicy: 'Parallel' });
      expect(proxy.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenScaled: 'Retain', whenDeleted: 'Retain' });
      expect(proxy.spec.volumeClaimTemplates).toHaveLength(1);
      expect(proxy.spec.volumeClaimTemplates[0].metadata.name).toBe('spool');
      expect(proxy.spec.volumeClaimTemplates[0].spec).toEqual({
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'fast-ssd',
        resources: { requests: { storage: '5Gi' } },
      });
      // The claim, not an emptyDir, is what the spool directory is mounted from.
      const pod = proxy.spec.template.spec;
      const spoolDir = deploymentEnv(docs, 'rel-llmlab-proxy').env.get('PROXY_SPOOL_DIR');
      expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'spool', mountPath: (spoolDir as { value: string }).value });
      expect(pod.volumes.map((v: { name: string }) => v.name)).not.toContain('spool');
      const hpa = docs.find((d) => d.kind === 'HorizontalPodAutoscaler' && d.metadata.name === 'rel-llmlab-proxy')!;
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'rel-llmlab-proxy' });
      // The other services stay Deployments; by default so does the proxy, on an emptyDir of the size asked.
      expect(docs.filter((d) => d.kind === 'StatefulSet').map((d) => d.metadata.name)).not.toContain('rel-llmlab-gateway');
      const plain = render(['-f', exampleFile, '--set', 'services.proxy.spool.size=3Gi']);
      const [deployed] = plain.filter((d) => d.kind === 'Deployment' && d.metadata.name === 'rel-llmlab-proxy');
      expect(deployed.spec.template.spec.volumes).toContainEqual({ name: 'spool', emptyDir: { sizeLimit: '3Gi' } });
      expect(plain.some((d) => d.kind === 'StatefulSet' && d.metadata.name === 'rel-llmlab-proxy')).toBe(false);
    });

    withHelm('renders with an existing Secret, external NATS and Redis, EventStoreDB and no autoscaling', () => {
      const docs = render([
        '--set',
        'secrets.existingSecret=llmlab-prod',
        '--set',
        'nats.enabled=false',
        '--set',
        'externalNats.url=nats://nats.messaging:4222',
        '--set',
        'redis.enabled=false',
        '--set',
        'eventstore.enabled=true',
        '--set',
        'serviceDefaults.autoscaling.enabled=false',
        '--set',
        'metrics.serviceMonitor.enabled=true',
      ]);
      expect(check(docs, ['llmlab-prod'])).toEqual([]);
      expect(docs.filter((d) => d.kind === 'Secret')).toEqual([]);
      expect(docs.filter((d) => d.kind === 'StatefulSet' || d.kind === 'HorizontalPodAutoscaler')).toEqual([]);
      const auth = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'rel-llmlab-auth')!;
      expect(auth.spec.replicas).toBe(2);
      const env = auth.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name);
      expect(env).toEqual(expect.arrayContaining(['EVENTSTORE_CONNECTION_STRING', 'REDIS_URL', 'DATABASE_URL', 'MASTER_ENCRYPTION_KEY']));
      const gateway = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'rel-llmlab-gateway')!;
      expect(gateway.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name)).toEqual([
        'PORT',
        'INTERNAL_PORT',
        'PROXY_URL',
        'REDIS_URL',
        'OPERATOR_API_TOKEN',
      ]);
    });

    withHelm('renders a bundled three-member EventStoreDB the services point at', () => {
      const docs = render([
        '-f',
        exampleFile,
        '--set',
        'eventstore.enabled=true',
        '--set',
        'eventstore.bundled.enabled=true',
        '--set',
        'eventstore.bundled.replicas=3',
      ]);
      expect(check(docs)).toEqual([]);
      const sts = docs.find((d) => d.kind === 'StatefulSet' && d.metadata.name === 'rel-llmlab-eventstore')!;
      expect(sts.spec.replicas).toBe(3);
      const audit = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'rel-llmlab-audit')!;
      const url = audit.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === 'EVENTSTORE_CONNECTION_STRING');
      expect(url.value).toBe(
        'esdb://rel-llmlab-eventstore-0.rel-llmlab-eventstore-headless:2113,rel-llmlab-eventstore-1.rel-llmlab-eventstore-headless:2113,rel-llmlab-eventstore-2.rel-llmlab-eventstore-headless:2113?tls=false',
      );
      expect(
        docs.find((d) => d.kind === 'Secret' && d.metadata.name === 'rel-llmlab-secrets')!.stringData.EVENTSTORE_CONNECTION_STRING,
      ).toBeUndefined();
    });

    withHelm('runs the ingestion projection in a Deployment of its own only with services.ingestion.projection.separate', () => {
      const named = (docs: K8sObject[], kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name);
      const projectionName = deployment('ingestion-projection');

      // Off (the default): one ingestion Deployment in the code's default role, which runs both.
      const one = render(['-f', exampleFile]);
      expect(one.filter((d) => d.metadata.name === projectionName)).toEqual([]);
      expect(deploymentEnv(one, deployment('ingestion')).env.has('INGESTION_ROLE')).toBe(false);
      expect(codeDefault('ingestion', 'INGESTION_ROLE')).toBe('all');

      const docs = render([
        '-f',
        exampleFile,
        '--set',
        'services.ingestion.projection.separate=true',
        '--set',
        'services.ingestion.projection.replicas=3',
        '--set',
        'services.ingestion.projection.resources.requests.memory=200Mi',
        '--set-json',
        'services.ingestion.extraEnv={"CONSUMER_ACK_WAIT_MS":60000}',
      ]);
      expect(check(docs)).toEqual([]);
      const intake = named(docs, 'Deployment', deployment('ingestion'))!;
      const projection = named(docs, 'Deployment', projectionName)!;
      expect(projection).toBeDefined();
      const env = (name: string) => deploymentEnv(docs, name);
      expect(env(deployment('ingestion')).env.get('INGESTION_ROLE')).toEqual({ value: 'intake', from: 'env' });
      expect(env(projectionName).env.get('INGESTION_ROLE')).toEqual({ value: 'projection', from: 'env' });
      // The same process otherwise: what the code reads, in values it accepts, the ingestion service's extraEnv included.
      expect(deploymentEnvironmentErrors(docs, projectionName, 'ingestion')).toEqual([]);
      const withoutRole = (name: string) => {
        const all = resolvedEnv(env(name).env);
        delete all.INGESTION_ROLE;
        return all;
      };
      expect(withoutRole(projectionName)).toEqual(withoutRole(deployment('ingestion')));
      expect(withoutRole(projectionName).CONSUMER_ACK_WAIT_MS).toBe('60000');
      const [intakeContainer] = intake.spec.template.spec.containers;
      const [projectionContainer] = projection.spec.template.spec.containers;
      const { env: _intakeEnv, resources: intakeResources, ...intakeRest } = intakeContainer;
      const { env: _projectionEnv, resources: projectionResources, ...projectionRest } = projectionContainer;
      expect(projectionRest).toEqual(intakeRest);
      expect(projectionRest.image).toMatch(/^llmlab\/ingestion:/);
      expect(intakeResources.requests.memory).toBe('384Mi');
      expect(projectionResources.requests.memory).toBe('200Mi');

      // The intake keeps its autoscaler; the projection has a fixed count (one works, the others stand by).
      expect(intake.spec.replicas).toBeUndefined();
      expect(projection.spec.replicas).toBe(3);
      const hpaTargets = docs.filter((d) => d.kind === 'HorizontalPodAutoscaler').map((d) => d.spec.scaleTargetRef.name);
      expect(hpaTargets).toContain(deployment('ingestion'));
      expect(hpaTargets).not.toContain(projectionName);
      // Neither Deployment, nor its Service or budget, takes the other's pods.
      const pods = (d: K8sObject) => d.spec.template.metadata.labels;
      const selection = (selector: K8sObject['spec']) => ({
        intake: selects(selector, pods(intake)),
        projection: selects(selector, pods(projection)),
      });
      const serviceSelector = (name: string) => ({ matchLabels: named(docs, 'Service', name)!.spec.selector });
      const budgetSelector = (name: string) => named(docs, 'PodDisruptionBudget', name)!.spec.selector;
      for (const selector of [intake.spec.selector, serviceSelector(deployment('ingestion')), budgetSelector(deployment('ingestion'))])
        expect(selection(selector)).toEqual({ intake: true, projection: false });
      for (const selector of [projection.spec.selector, serviceSelector(projectionName), budgetSelector(projectionName)])
        expect(selection(selector)).toEqual({ intake: false, projection: true });
      // Reached by the same network policies as every domain service (NATS, Redis, PostgreSQL, metrics scrapes).
      const policies = (d: K8sObject) =>
        docs
          .filter((p) => p.kind === 'NetworkPolicy' && selects(p.spec.podSelector, pods(d)))
          .map((p) => p.metadata.name)
          .sort();
      expect(policies(projection)).toEqual(policies(intake));

      // Without autoscaling, the intake takes the service's replicas.
      const fixed = render([
        '-f',
        exampleFile,
        '--set',
        'services.ingestion.projection.separate=true',
        '--set',
        'services.ingestion.autoscaling.enabled=false',
      ]);
      expect(check(fixed)).toEqual([]);
      expect(named(fixed, 'Deployment', deployment('ingestion'))!.spec.replicas).toBe(values.serviceDefaults.replicas);
      expect(named(fixed, 'Deployment', projectionName)!.spec.replicas).toBe(values.services.ingestion.projection.replicas);

      // A role set by hand as well would give the two Deployments the same one.
      expect(() =>
        render([
          '-f',
          exampleFile,
          '--set',
          'services.ingestion.projection.separate=true',
          '--set',
          'services.ingestion.extraEnv.INGESTION_ROLE=all',
        ]),
      ).toThrow(/services\.ingestion\.extraEnv\.INGESTION_ROLE/);
    });

    withHelm('renders a single-member NATS and hard anti-affinity without network policies', () => {
      const docs = render([
        '-f',
        exampleFile,
        '--set',
        'nats.replicas=1',
        '--set',
        'config.natsStreamReplicas=1',
        '--set',
        'networkPolicy.enabled=false',
        '--set',
        'nats.antiAffinity=hard',
      ]);
      expect(check(docs)).toEqual([]);
      expect(docs.filter((d) => d.kind === 'NetworkPolicy')).toEqual([]);
      const conf = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'rel-llmlab-nats-config')!.data['nats.conf'];
      expect(conf).not.toContain('cluster {');
    });
  });
});
