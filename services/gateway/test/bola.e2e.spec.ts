import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, createTestDatabase, FakeOpenAiServer, TestDatabase, TestPlatform, type HttpResult } from '@llmlab/testing';
import { ROLES, type Role } from '@llmlab/contracts';
import {
  BOLA_CAPTURED_CONTENT,
  BOLA_CHANNEL_ORIGIN,
  BOLA_CONTENT_SPAN_ID,
  BOLA_PROVIDER_ADMIN_KEY,
  BOLA_PROXY_PROVIDER_KEY,
  BOLA_SEEDS,
  createBolaWorld,
  seedVictim,
  type BolaWorld,
} from './bola.seed';

jest.setTimeout(300_000);

interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  minimum?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  nullable?: boolean;
}
type AccessLevel =
  | { level: 'public' }
  | { level: 'authenticated'; apiKeys: boolean }
  | { level: 'permission'; permission: string; minRole: Role; apiKeyScope: string | null }
  | { level: 'operator' };
interface Operation {
  operationId: string;
  'x-llmlab-access'?: AccessLevel;
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}
interface Walked {
  path: string;
  method: string;
  op: Operation;
  params: string[];
}

/** A minimal body the schema accepts (required fields only), so a request can pass validation and reach the service. */
function sample(schema: Schema, doc: Document): unknown {
  if (schema.$ref) return sample(doc.components.schemas[schema.$ref.split('/').pop()!], doc);
  if (schema.example !== undefined) return schema.example;
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'object':
      return Object.fromEntries((schema.required ?? []).map((name) => [name, sample(schema.properties![name], doc)]));
    case 'array':
      return [sample(schema.items!, doc)];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    default:
      if (schema.format === 'email') return 'bola@example.com';
      if (schema.format === 'uuid') return randomUUID();
      if (schema.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
      return 'bola';
  }
}

const READ_METHODS = new Set(['GET', 'HEAD']);
/** A read: GET and HEAD, and a query whose body is too rich for a URL (what-if) declared under a `:read` permission. */
const isRead = (w: Walked) => {
  const access = w.op['x-llmlab-access'];
  return READ_METHODS.has(w.method) || (access?.level === 'permission' && access.permission.endsWith(':read'));
};
const rank = (role: Role) => ROLES.length - ROLES.indexOf(role);

/**
 * The BOLA walk. The victim organization gets one real resource of every type (bola.seed.ts: one seed per
 * path-parameter name of the live OpenAPI document), then EVERY operation of the document is called by four
 * callers, and each outcome is checked against the operation's declared access level (`x-llmlab-access`):
 * - another organization's owner (access token) and another organization's admin API key: nothing of the victim
 *   is reachable: 403 or 404 on every route naming a victim id, and no victim data in any body;
 * - a viewer of the victim organization: every write is refused, a read succeeds exactly when the viewer's role
 *   reaches the operation's minimum role;
 * - an admin API key of another project of the victim organization: nothing of the first project nor of the
 *   organization's user-only routes (403/404), no victim data in any body.
 * The operator routes (`level: operator`, enabled here with OPERATOR_API_TOKEN) take no tenant credential at all:
 * every caller above, and the victim's own owner and key, get 401.
 * No operation may answer 5xx. An operation without an access level, or a path parameter without a seed, fails.
 */
describe('broken object-level authorization walk', () => {
  let db: TestDatabase;
  let platform: TestPlatform;
  let world: BolaWorld;
  let doc: Document;
  let ids: Record<string, string>;
  let operations: Walked[];
  // The victim's provider connection needs a provider that accepts its key: the fake, trusted by provider-sync.
  const openai = new FakeOpenAiServer();
  const operatorToken = randomBytes(32).toString('base64url');

  beforeAll(async () => {
    db = await createTestDatabase();
    await openai.start();
    openai.adminKeys.add(BOLA_PROVIDER_ADMIN_KEY);
    platform = await TestPlatform.start({
      databaseUrl: db.url,
      env: {
        MASTER_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        ALERTS_TRUSTED_ORIGINS: BOLA_CHANNEL_ORIGIN,
        PROVIDER_SYNC_TRUSTED_ORIGINS: openai.url,
        OPERATOR_API_TOKEN: operatorToken,
      },
    });
    await platform.waitForReadiness(200, 60_000);
    world = await createBolaWorld(platform.gatewayUrl, platform.mailbox, openai.url);
    ids = await seedVictim(world);
    doc = (await new Agent(platform.gatewayUrl).get('/docs-json')).body;
    operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({
        path,
        method: method.toUpperCase(),
        op,
        params: [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]),
      })),
    );
  }, 240_000);
  afterAll(async () => {
    await platform?.stop();
    await openai.stop();
    await db?.drop();
  });

  async function call(agent: Agent, { path, method, op }: Walked): Promise<HttpResult> {
    const schema = op.requestBody?.content['application/json']?.schema;
    const body = schema ? sample(schema, doc) : undefined;
    const query = (op.parameters ?? [])
      .filter((p) => p.in === 'query' && p.required)
      .map((p) => `${p.name}=${encodeURIComponent(String(sample(p.schema ?? {}, doc)))}`)
      .join('&');
    const url = path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name]) + (query ? `?${query}` : '');
    return agent.request(method, url, body);
  }

  const describeCall = (w: Walked, res: HttpResult) =>
    `${w.method} ${w.path} (${w.op.operationId}): ${res.status} ${JSON.stringify(res.body)}`;
  const leaks = (res: HttpResult) => world.secrets.filter((s) => JSON.stringify(res.body ?? '').includes(s));

  it('has a seed for every path parameter and an access level on every operation of the live document', () => {
    const unseeded = [...new Set(operations.flatMap((w) => w.params))].filter((name) => !(name in BOLA_SEEDS));
    expect(unseeded).toEqual([]);
    expect(operations.filter((w) => !w.op['x-llmlab-access']).map((w) => w.op.operationId)).toEqual([]);
    expect(operations.length).toBeGreaterThan(50);
    // Content capture's routes reach captured prompts: walked like the others, with content to erase (bola.seed.ts).
    expect(operations.map((w) => w.op.operationId)).toEqual(
      expect.arrayContaining(['getTraceSettings', 'updateTraceSettings', 'eraseTraceContent', 'eraseEndUserContent']),
    );
    // Usage retention decides when usage detail is gone for good: walked like the others (a PUT sends 365 days).
    expect(operations.map((w) => w.op.operationId)).toEqual(expect.arrayContaining(['getUsageRetention', 'updateUsageRetention']));
    // UUIDs, but for a trace id (32 hex characters, as OTLP spells it) and a provider's name (provider keys).
    for (const name of Object.keys(BOLA_SEEDS)) expect(ids[name]).toMatch(/^([0-9a-f-]{36}|[0-9a-f]{32}|openai)$/);
  });

  it.each([
    ['another organization’s owner (access token)', () => world.foreign.agent],
    ['another organization’s admin API key', () => world.foreign.keyAgent],
    ['an admin API key of another project of the same organization', () => world.otherProjectKey],
  ] as const)('never lets %s reach or see the victim’s resources', async (_, agent) => {
    const failures: string[] = [];
    for (const w of operations) {
      const res = await call(agent(), w);
      const leaked = leaks(res);
      if (leaked.length) failures.push(`leaks ${leaked.join(', ')}: ${describeCall(w, res)}`);
      if (res.status >= 500) failures.push(describeCall(w, res));
      if (w.op['x-llmlab-access']?.level === 'operator') {
        if (res.status !== 401) failures.push(`expected 401 on an operator route: ${describeCall(w, res)}`);
      } else if (w.params.length && res.status !== 403 && res.status !== 404) {
        // Every path parameter names a victim resource: only a refusal is right.
        failures.push(describeCall(w, res));
      }
    }
    expect(failures).toEqual([]);
  });

  it('lets a viewer of the organization read what its role reads and change nothing', async () => {
    const viewer = world.viewer.agent;
    const failures: string[] = [];
    let reads = 0;
    for (const w of operations) {
      const access = w.op['x-llmlab-access']!;
      if (!w.params.length) continue; // Routes about the caller itself (signup, me, its own organizations).
      const res = await call(viewer, w);
      if (res.status >= 500) failures.push(describeCall(w, res));
      if (access.level === 'operator') {
        if (res.status !== 401) failures.push(`expected 401 on an operator route: ${describeCall(w, res)}`);
        continue;
      }
      const allowed =
        access.level === 'public' ||
        access.level === 'authenticated' ||
        (access.level === 'permission' && rank('viewer') >= rank(access.minRole));
      if (!isRead(w)) {
        if (res.status < 400) failures.push(`a viewer's write succeeded: ${describeCall(w, res)}`);
      } else if (allowed) {
        reads++;
        if (res.status !== 200) failures.push(`a viewer's read was refused: ${describeCall(w, res)}`);
      } else if (res.status !== 403) failures.push(`expected 403: ${describeCall(w, res)}`);
    }
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(10);
  });

  it('refuses the victim’s own owner and key, and no credentials, on the operator routes, and admits the operator', async () => {
    const operatorOps = operations.filter((w) => w.op['x-llmlab-access']?.level === 'operator');
    expect(operatorOps.map((w) => `${w.method} ${w.path}`).sort()).toEqual([
      'GET /v1/operator/organizations/{orgId}/rate-limits',
      'PUT /v1/operator/organizations/{orgId}/rate-limits',
    ]);
    const failures: string[] = [];
    const anonymous = new Agent(platform.gatewayUrl);
    for (const w of operatorOps) {
      for (const agent of [world.victim.agent, world.victim.keyAgent, anonymous]) {
        const res = await call(agent, w);
        if (res.status !== 401) failures.push(describeCall(w, res));
      }
    }
    expect(failures).toEqual([]);
    const operator = anonymous.with({ authorization: `Bearer ${operatorToken}` });
    const res = await operator.get(`/v1/operator/organizations/${world.victim.organizationId}/rate-limits`);
    expect(res.body).toEqual({
      organizationId: world.victim.organizationId,
      managementPerHour: null,
      ingestPerHour: null,
      revision: expect.any(Number),
    });
  });

  it('leaves the victim’s resources as they were', async () => {
    const { victim } = world;
    expect((await victim.keyAgent.get('/v1/me')).status).toBe(200);
    expect((await victim.agent.get(`/v1/projects/${victim.projectId}`)).body).toMatchObject({
      name: 'victim-secret-project',
      archivedAt: null,
      revision: 0,
    });
    const members = await victim.agent.get(`/v1/organizations/${victim.organizationId}/members`);
    expect(members.body.data.map((m: { userId: string; role: string }) => [m.userId, m.role]).sort()).toEqual(
      [
        [victim.id, 'owner'],
        [world.viewer.id, 'viewer'],
      ].sort(),
    );
    expect((await victim.agent.get(`/v1/organizations/${victim.organizationId}`)).body).toMatchObject({
      name: 'Victim Org',
      rateLimits: { managementPerHour: null, ingestPerHour: null },
    });
    expect((await victim.agent.get(`/v1/budgets/${ids.budgetId}`)).body).toMatchObject({ name: 'victim-secret-budget', revision: 0 });
    expect((await victim.agent.get(`/v1/alerts/${ids.alertId}`)).body).toMatchObject({ state: 'firing' });
    const channels = await victim.agent.get(`/v1/organizations/${victim.organizationId}/channels`);
    expect(channels.body.data.map((c: { id: string }) => c.id)).toEqual([ids.channelId]);
    const overrides = await victim.agent.get(`/v1/organizations/${victim.organizationId}/pricing/overrides`);
    expect(overrides.body.data.map((o: { id: string }) => o.id)).toEqual([ids.overrideId]);
    const keys = await victim.agent.get(`/v1/projects/${victim.projectId}/api-keys`);
    expect(keys.body.data.find((k: { id: string }) => k.id === ids.keyId)).toMatchObject({ revokedAt: null });
    const routes = await victim.agent.get(`/v1/projects/${victim.projectId}/routes`);
    expect(routes.body).toEqual([expect.objectContaining({ routeId: ids.routeId, model: 'victim-secret-route' })]);
    const providerKeys = await victim.agent.get(`/v1/projects/${victim.projectId}/provider-keys`);
    expect(providerKeys.body).toEqual([expect.objectContaining({ provider: ids.provider, keyHint: BOLA_PROXY_PROVIDER_KEY.slice(-4) })]);
    // Capture still on, and the captured text not erased (neither by trace nor by end user).
    expect((await victim.agent.get(`/v1/organizations/${victim.organizationId}/trace-settings`)).body).toMatchObject({
      captureContent: true,
      revision: 0,
    });
    // Usage detail still kept forever: no caller of the walk changed the retention.
    expect((await victim.agent.get(`/v1/organizations/${victim.organizationId}/usage-retention`)).body).toEqual({
      organizationId: victim.organizationId,
      usageRetentionDays: null,
      revision: -1,
    });
    const trace = await victim.agent.get(`/v1/projects/${victim.projectId}/traces/${ids.traceId}`);
    expect(trace.body.spans.find((s: { spanId: string }) => s.spanId === BOLA_CONTENT_SPAN_ID)?.content).toEqual({
      ...BOLA_CAPTURED_CONTENT,
      truncated: false,
    });
  });

  it('refuses a budget on another organization’s project, naming the field', async () => {
    const res = await world.foreign.agent.post(`/v1/organizations/${world.foreign.organizationId}/budgets`, {
      name: 'watching the victim',
      scope: { type: 'project', projectId: world.victim.projectId },
      period: 'monthly',
      amount: { amount: '10', currency: 'USD' },
    });
    expect({ status: res.status, code: res.body?.code }).toEqual({ status: 400, code: 'BUDGET_INVALID' });
    expect(res.body.errors).toEqual([{ field: '/scope/projectId', message: expect.any(String) }]);
    const own = await world.foreign.agent.post(`/v1/organizations/${world.foreign.organizationId}/budgets`, {
      name: 'own project',
      scope: { type: 'project', projectId: world.foreign.projectId },
      period: 'monthly',
      amount: { amount: '10', currency: 'USD' },
    });
    expect(own.status).toBe(201);
  });
});
