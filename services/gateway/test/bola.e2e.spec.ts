import { randomUUID } from 'node:crypto';
import { Agent, createSession, createTestDatabase, FakeOpenAiServer, TestDatabase, TestPlatform, type TestSession } from '@llmlab/testing';

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
interface Operation {
  operationId: string;
  security?: unknown[];
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const TENANCY = ['orgId', 'projectId'];

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

// The BOLA walk: every operation of the live OpenAPI document that takes a path parameter is called with
// tenant A's credentials (access token and API key) on tenant B's real ids. Nothing may succeed and nothing
// may fail with a 5xx. Routes added by later issues are walked too, as soon as they are in the document.
describe('broken object-level authorization walk', () => {
  let db: TestDatabase;
  let platform: TestPlatform;
  let a: TestSession;
  let b: TestSession;
  let doc: Document;
  /** B's real ids by path parameter name; a parameter not listed here gets a random UUID. */
  let bIds: Record<string, string>;
  const calls: string[] = [];
  // Tenant B's provider connection needs a provider that accepts its key: the fake, trusted by provider-sync.
  const openai = new FakeOpenAiServer();

  beforeAll(async () => {
    db = await createTestDatabase();
    await openai.start();
    openai.adminKeys.add('sk-admin-bola-tenant-b');
    platform = await TestPlatform.start({ databaseUrl: db.url, env: { PROVIDER_SYNC_TRUSTED_ORIGINS: openai.url } });
    await platform.waitForReadiness(200, 60_000);
    a = await createSession(platform.gatewayUrl, { name: 'Tenant A', organizationName: 'Tenant A Org', projectName: 'A project' });
    b = await createSession(platform.gatewayUrl, { name: 'Tenant B', organizationName: 'Tenant B Org', projectName: 'B secret project' });
    const connection = await b.agent.post(`/v1/organizations/${b.organizationId}/providers`, {
      provider: 'openai',
      name: 'B provider',
      credentials: { adminKey: 'sk-admin-bola-tenant-b' },
      baseUrl: openai.url,
    });
    expect(connection.status).toBe(201);
    bIds = {
      orgId: b.organizationId,
      projectId: b.projectId,
      userId: b.id,
      keyId: b.apiKey.id,
      connectionId: connection.body.connectionId,
    };
    doc = (await new Agent(platform.gatewayUrl).get('/docs-json')).body;
  });
  afterAll(async () => {
    await platform?.stop();
    await openai.stop();
    await db?.drop();
  });

  function operations() {
    return Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, op]) => (op.parameters ?? []).some((p) => p.in === 'path'))
        .map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
    );
  }

  async function call(agent: Agent, method: string, path: string, op: Operation) {
    const schema = op.requestBody?.content['application/json']?.schema;
    const body = schema ? sample(schema, doc) : undefined;
    const res = await agent.request(method, path, body);
    calls.push(`${method} ${path} -> ${res.status}`);
    return res;
  }

  const fill = (path: string, ids: (name: string) => string) => path.replace(/\{(\w+)\}/g, (_, name: string) => ids(name));

  it('finds the operations to walk in the live document', () => {
    const walked = operations().map((o) => o.op.operationId);
    expect(walked).toEqual(expect.arrayContaining(['getOrganization', 'removeMember', 'getProject', 'revokeApiKey', 'archiveProject']));
  });

  it.each(['access token', 'API key'] as const)("never lets A's %s reach B's resources through B's ids", async (credential) => {
    const agent = credential === 'access token' ? a.agent : a.keyAgent;
    const failures: string[] = [];
    for (const { path, method, op } of operations()) {
      const res = await call(
        agent,
        method,
        fill(path, (name) => bIds[name] ?? randomUUID()),
        op,
      );
      const leaked = JSON.stringify(res.body ?? '').includes('B secret project') || JSON.stringify(res.body ?? '').includes(b.email);
      if (res.status < 400 || res.status >= 500 || leaked)
        failures.push(`${method} ${path} (${op.operationId}): ${res.status} ${JSON.stringify(res.body)}`);
    }
    expect(failures).toEqual([]);
  });

  it.each(['access token', 'API key'] as const)(
    "never lets A's %s reach B's sub-resources from inside A's own tenant",
    async (credential) => {
      const agent = credential === 'access token' ? a.agent : a.keyAgent;
      const aIds: Record<string, string> = { orgId: a.organizationId, projectId: a.projectId };
      const failures: string[] = [];
      for (const { path, method, op } of operations()) {
        const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        if (names.every((n) => TENANCY.includes(n))) continue;
        const res = await call(
          agent,
          method,
          fill(path, (name) => (TENANCY.includes(name) ? aIds[name] : (bIds[name] ?? randomUUID()))),
          op,
        );
        if (res.status < 400 || res.status >= 500)
          failures.push(`${method} ${path} (${op.operationId}): ${res.status} ${JSON.stringify(res.body)}`);
      }
      expect(failures).toEqual([]);
    },
  );

  it("leaves B's resources as they were", async () => {
    expect(calls.length).toBeGreaterThan(20);
    expect((await b.keyAgent.get('/v1/me')).status).toBe(200);
    const project = await b.agent.get(`/v1/projects/${b.projectId}`);
    expect(project.body).toMatchObject({ name: 'B secret project', archivedAt: null, revision: 0 });
    const members = await b.agent.get(`/v1/organizations/${b.organizationId}/members`);
    expect(members.body.data.map((m: { userId: string; role: string }) => [m.userId, m.role])).toEqual([[b.id, 'owner']]);
    expect(members.body.invitations).toEqual([]);
    expect((await b.agent.get(`/v1/organizations/${b.organizationId}`)).body).toMatchObject({ name: 'Tenant B Org', revision: 1 });
  });
});
