import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import {
  Agent,
  createSession,
  eventually,
  genAiChatSpan,
  joinOrganization,
  otlpAttribute,
  otlpJson,
  recordPersonalData,
  signUp,
  type HttpResult,
  type Mailbox,
  type SignedUpUser,
  type TestSession,
  usageEvent,
} from '@llmlab/testing';

/**
 * The victim organization of the BOLA walk (bola.e2e.spec.ts) and the callers that attack it. Every string in
 * `secrets` is the victim's own data: no foreign caller may ever see one in a response body.
 */
export interface BolaWorld {
  gatewayUrl: string;
  /** Owns the victim organization, its first project and that project's admin API key. */
  victim: TestSession;
  /** Owns another organization (with a project and an admin key): the cross-tenant attacker. */
  foreign: TestSession;
  /** A viewer of the victim organization. */
  viewer: SignedUpUser;
  /** An admin-scoped API key of a second project of the victim organization. */
  otherProjectKey: Agent;
  /** The fake provider the victim's connection is registered against (trusted by provider-sync in the walk). */
  providerUrl: string;
  secrets: string[];
}

/** The admin key the fake provider accepts for the victim's connection. */
export const BOLA_PROVIDER_ADMIN_KEY = 'sk-admin-victim-secret-key';
/** The victim project's stored provider key for the proxy. */
export const BOLA_PROXY_PROVIDER_KEY = 'sk-proj-victim-secret-proxy-key';

/** The prompt and completion of the victim's span with captured content (see the traceId seed). */
export const BOLA_CAPTURED_CONTENT = { input: 'victim-secret-prompt-text', output: 'victim-secret-completion-text' };
export const BOLA_CONTENT_SPAN_ID = 'c0ffee00c0ffee00';

/** The real id of one victim resource; `ids` holds the seeds declared before it. */
export type Seed = (world: BolaWorld, ids: Readonly<Record<string, string>>) => Promise<string>;

/** Where the alerts service may deliver in the walk (nothing listens: no delivery is needed, only a channel). */
export const BOLA_CHANNEL_ORIGIN = 'http://127.0.0.1:9';

function expectCreated(res: HttpResult, what: string): HttpResult {
  if (res.status !== 201) throw new Error(`seeding ${what}: expected 201, got ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

/**
 * One entry per path-parameter name of docs/openapi.json, in dependency order: a real resource of the victim.
 * A route whose path parameter has no entry here fails the walk; a new route adds its seed here in one line.
 */
export const BOLA_SEEDS: Record<string, Seed> = {
  orgId: async (w) => w.victim.organizationId,
  projectId: async (w) => w.victim.projectId,
  // The owner: a viewer may remove only itself, so the victim's owner must survive every caller.
  userId: async (w) => w.victim.id,
  keyId: async (w) => w.victim.apiKey.id,
  connectionId: async (w) => {
    const res = expectCreated(
      await w.victim.agent.post(`/v1/organizations/${w.victim.organizationId}/providers`, {
        provider: 'openai',
        name: 'victim-secret-connection',
        credentials: { adminKey: BOLA_PROVIDER_ADMIN_KEY },
        baseUrl: w.providerUrl,
      }),
      'a provider connection',
    );
    w.secrets.push('victim-secret-connection', BOLA_PROVIDER_ADMIN_KEY);
    return res.body.connectionId;
  },
  provider: async (w) => {
    expectCreated(
      await w.victim.agent.post(`/v1/projects/${w.victim.projectId}/provider-keys`, { provider: 'openai', key: BOLA_PROXY_PROVIDER_KEY }),
      'a stored provider key',
    );
    w.secrets.push(BOLA_PROXY_PROVIDER_KEY);
    return 'openai';
  },
  routeId: async (w) => {
    const res = await w.victim.agent.put(`/v1/projects/${w.victim.projectId}/routes`, {
      model: 'victim-secret-route',
      targets: [{ provider: 'openai', model: 'gpt-4o-mini' }],
    });
    if (res.status !== 200) throw new Error(`seeding a route: ${res.status} ${JSON.stringify(res.body)}`);
    w.secrets.push('victim-secret-route');
    return res.body.routeId;
  },
  invitationId: async (w) => {
    const res = expectCreated(
      await w.victim.agent.post(`/v1/organizations/${w.victim.organizationId}/invitations`, {
        email: 'victim-secret-invitee@example.com',
        role: 'viewer',
      }),
      'an invitation',
    );
    w.secrets.push('victim-secret-invitee@example.com');
    return res.body.invitationId;
  },
  overrideId: async (w) => {
    const res = expectCreated(
      await w.victim.agent.post(`/v1/organizations/${w.victim.organizationId}/pricing/overrides`, {
        provider: 'victim-provider',
        model: 'victim-secret-model',
        rates: { input: '1', output: '2' },
      }),
      'a price override',
    );
    w.secrets.push('victim-secret-model');
    return res.body.id;
  },
  channelId: async (w) => {
    const res = expectCreated(
      await w.victim.agent.post(`/v1/organizations/${w.victim.organizationId}/channels`, {
        type: 'webhook',
        name: 'victim-secret-channel',
        config: { url: `${BOLA_CHANNEL_ORIGIN}/victim-secret-hook` },
      }),
      'a channel',
    );
    w.secrets.push('victim-secret-channel', 'victim-secret-hook');
    return res.body.id;
  },
  budgetId: async (w) => {
    const res = expectCreated(
      await w.victim.agent.post(`/v1/organizations/${w.victim.organizationId}/budgets`, {
        name: 'victim-secret-budget',
        scope: { type: 'project', projectId: w.victim.projectId },
        period: 'monthly',
        amount: { amount: '0.0001', currency: 'USD' },
        thresholds: [50],
      }),
      'a budget',
    );
    w.secrets.push('victim-secret-budget');
    return res.body.id;
  },
  // Usage over the budget raises a threshold alert (and its deliveries to the channel).
  alertId: async (w, ids) => {
    const usage = await w.victim.keyAgent.post('/v1/usage', {
      events: [usageEvent({ timestamp: new Date(Date.now() - 1_000).toISOString(), metadata: { note: 'victim-secret-usage' } })],
    });
    if (usage.status !== 202) throw new Error(`seeding usage: ${usage.status} ${JSON.stringify(usage.body)}`);
    return eventually(
      async () => {
        const alerts = await w.victim.agent.get(`/v1/organizations/${w.victim.organizationId}/alerts`);
        return (alerts.body?.data as { id: string; budgetId?: string }[] | undefined)?.find((a) => a.budgetId === ids.budgetId)?.id;
      },
      "the victim budget's alert",
      60_000,
    );
  },
  // A model call of the victim's project sent with a trace, span and session: its trace and its session are the
  // resources (the ledger makes a trace of a usage event that names one). With content capture turned on, a span of
  // the same trace exported through OTLP carries a prompt and a completion, kept sealed: the erasure routes have
  // something to erase, by trace and by end user (the victim's owner's id: the walk's one `userId`).
  traceId: async (w) => {
    const traceId = randomBytes(16).toString('hex');
    const settings = await w.victim.agent.request(
      'PUT',
      `/v1/organizations/${w.victim.organizationId}/trace-settings`,
      { captureContent: true, contentRetentionDays: 30 },
      { 'if-match': '"-1"' },
    );
    if (settings.status !== 200) throw new Error(`seeding content capture: ${settings.status} ${JSON.stringify(settings.body)}`);
    const usage = await w.victim.keyAgent.post('/v1/usage', {
      events: [
        usageEvent({
          timestamp: new Date(Date.now() - 1_000).toISOString(),
          traceId,
          spanId: randomBytes(8).toString('hex'),
          sessionId: uuidv7(),
          tags: { note: 'victim-secret-trace' },
        }),
      ],
    });
    if (usage.status !== 202) throw new Error(`seeding a trace: ${usage.status} ${JSON.stringify(usage.body)}`);
    const chat = genAiChatSpan({ traceId, spanId: BOLA_CONTENT_SPAN_ID, model: 'gpt-4o-mini', input: 10, output: 2 });
    const otlp = await fetch(`${w.gatewayUrl}/v1/otlp/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': w.victim.apiKey.key },
      body: otlpJson([
        {
          ...chat,
          attributes: [
            ...chat.attributes,
            otlpAttribute('user.id', w.victim.id),
            otlpAttribute('gen_ai.input.messages', BOLA_CAPTURED_CONTENT.input),
            otlpAttribute('gen_ai.output.messages', BOLA_CAPTURED_CONTENT.output),
          ],
        },
      ]),
    });
    if (otlp.status !== 200) throw new Error(`seeding a span with content: ${otlp.status} ${await otlp.text()}`);
    w.secrets.push('victim-secret-trace', BOLA_CAPTURED_CONTENT.input, BOLA_CAPTURED_CONTENT.output);
    // Sealed at rest: the platform's scan at stop() must find neither in clear anywhere.
    recordPersonalData(BOLA_CAPTURED_CONTENT.input, BOLA_CAPTURED_CONTENT.output);
    await eventually(
      async () => {
        const res = await w.victim.agent.get(`/v1/projects/${w.victim.projectId}/traces/${traceId}`);
        return res.body?.spans?.some((s: { content?: unknown }) => s.content) === true;
      },
      "the victim's trace and its captured content",
      60_000,
    );
    return traceId;
  },
  sessionId: async (w, ids) => {
    const trace = await w.victim.agent.get(`/v1/projects/${w.victim.projectId}/traces/${ids.traceId}`);
    if (typeof trace.body?.sessionId !== 'string') throw new Error(`seeding a session: ${trace.status} ${JSON.stringify(trace.body)}`);
    return trace.body.sessionId;
  },
  // Calls to a model without a price: the victim project's refreshed recommendations name it (unpriced usage).
  recommendationId: async (w) => {
    const usage = await w.victim.keyAgent.post('/v1/usage', {
      events: [
        usageEvent({ timestamp: new Date(Date.now() - 1_000).toISOString(), provider: 'bola', model: 'victim-secret-unpriced-model' }),
      ],
    });
    if (usage.status !== 202) throw new Error(`seeding unpriced usage: ${usage.status} ${JSON.stringify(usage.body)}`);
    w.secrets.push('victim-secret-unpriced-model');
    return eventually(
      async () => {
        await w.victim.agent.post(`/v1/projects/${w.victim.projectId}/recommendations/refresh`, {});
        const list = await w.victim.agent.get(`/v1/projects/${w.victim.projectId}/recommendations?kind=unpriced_usage`);
        return (list.body?.data as { id: string }[] | undefined)?.[0]?.id;
      },
      "the victim project's recommendation",
      60_000,
    );
  },
  // A backfill of the victim's project, uploaded with its key: its progress is the resource.
  importId: async (w) => {
    const line = JSON.stringify({
      id: `victim-import-${uuidv7()}`,
      timestamp: new Date(Date.now() - 90 * 86_400_000).toISOString(),
      provider: 'openai',
      model: 'gpt-4o-mini',
      usage: { inputTokens: 10, outputTokens: 2 },
      latencyMs: 1,
      status: 'success',
      metadata: { note: 'victim-secret-import' },
    });
    const res = await w.victim.keyAgent.upload(`/v1/projects/${w.victim.projectId}/usage/imports`, line, 'application/x-ndjson');
    if (res.status !== 202) throw new Error(`seeding an import: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.importId;
  },
  // One of the victim's events in the audit log, once a signed head covers it (proofs are against signed heads).
  eventId: async (w) => {
    const exported = await w.victim.agent.get(`/v1/organizations/${w.victim.organizationId}/audit/export`);
    if (exported.status !== 200) throw new Error(`seeding an audit event: ${exported.status} ${String(exported.body)}`);
    const line = (exported.body as string).split('\n').find((l) => l.includes('"kind":"event"'));
    if (!line) throw new Error('seeding an audit event: the export holds no event');
    const { event } = JSON.parse(line) as { event: { eventId: string; position: number } };
    await eventually(
      async () => {
        const head = await w.victim.agent.get('/v1/audit/checkpoints/latest');
        return head.status === 200 && head.body.treeSize >= event.position;
      },
      'a signed head covering the victim event',
      30_000,
    );
    return event.eventId;
  },
};

/** Signs the victim, the foreign tenant and the viewer up, and gives the victim a second project with its own key. */
export async function createBolaWorld(gatewayUrl: string, mailbox: Mailbox, providerUrl: string): Promise<BolaWorld> {
  const foreign = await createSession(gatewayUrl, {
    name: 'Foreign Owner',
    organizationName: 'Foreign Org',
    projectName: 'Foreign project',
  });
  const victim = await createSession(gatewayUrl, {
    name: 'Victim Owner',
    organizationName: 'Victim Org',
    projectName: 'victim-secret-project',
  });
  const viewer = await signUp(gatewayUrl, { name: 'Victim Viewer' });
  // Membership is by invitation only: the viewer accepts the mailed link.
  await joinOrganization(mailbox, victim.agent, victim.organizationId, viewer, 'viewer');
  const second = expectCreated(
    await victim.agent.post(`/v1/organizations/${victim.organizationId}/projects`, { name: 'victim-second-project' }),
    'a second project',
  );
  const key = expectCreated(
    await victim.agent.post(`/v1/projects/${second.body.id}/api-keys`, { name: 'second project key', scopes: ['admin'] }),
    "the second project's key",
  );
  return {
    gatewayUrl,
    victim,
    foreign,
    viewer,
    otherProjectKey: new Agent(gatewayUrl, { 'x-api-key': key.body.key }),
    providerUrl,
    secrets: ['victim-secret-project', victim.email, victim.name, 'Victim Org'],
  };
}

/** Runs every seed in order: the victim's real id for each path-parameter name. */
export async function seedVictim(world: BolaWorld): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const [name, seed] of Object.entries(BOLA_SEEDS)) ids[name] = await seed(world, ids);
  return ids;
}
