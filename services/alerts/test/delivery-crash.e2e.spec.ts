import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import {
  alertsSubjects as s,
  ingestionStreams,
  type RequestContext,
  type RequestOf,
  type ResponseOf,
  type Subject,
} from '@llmlab/contracts';
import { createEventStore, type EventStore } from '@llmlab/event-store';
import { createMessagingClient, natsSubject, type MessagingClient } from '@llmlab/messaging';
import { verifyWebhookSignature } from '@llmlab/notifications';
import { createTestDatabase, TestPlatform, testEnv, type TestDatabase, Receiver } from '@llmlab/testing';
import { contextOf, newTenant, usageRecord, usageRecorded } from './fixtures';

jest.setTimeout(180_000);

// The real alerts process killed with SIGKILL while a webhook receiver holds the request it sent: after a restart
// the delivery completes, the receiver sees the documented duplicate (same X-LLMLab-Delivery, so it acts once),
// and once the success is recorded nothing is sent again, across another restart too.
describe('alerts killed between sending a delivery and recording it', () => {
  let db: TestDatabase;
  let platform: TestPlatform;
  let receiver: Receiver;
  let client: MessagingClient;
  let pool: Pool;
  let store: EventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    receiver = await new Receiver().start();
    platform = await TestPlatform.start({
      databaseUrl: db.url,
      services: ['alerts'],
      env: {
        MASTER_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        ALERTS_TRUSTED_ORIGINS: receiver.origin,
        ALERTS_EVALUATION_DEBOUNCE_MS: '100',
        // What the killed process had taken comes back quickly; its claim (timeout + 5 s) outlives it a little.
        ALERTS_DELIVERY_ACK_WAIT_MS: '2000',
        ALERTS_OUTBOUND_TIMEOUT_MS: '5000',
      },
    });
    client = createMessagingClient({ servers: testEnv.natsUrl, defaultTimeoutMs: 15_000 });
    pool = new Pool({ connectionString: db.url, max: 3 });
    store = createEventStore({ pool });
  }, 90_000);

  afterAll(async () => {
    await client?.close();
    await platform?.stop();
    await pool?.end();
    await receiver?.stop();
    await db?.drop();
  }, 60_000);

  async function request<S extends Subject<unknown, unknown>>(
    subject: S,
    payload: RequestOf<S>,
    context: Partial<RequestContext>,
  ): Promise<ResponseOf<S>> {
    const reply = await client.request({ subject: natsSubject(subject, platform.natsPrefix) } as S, payload, {
      correlationId: 'crash-test',
      ...context,
    });
    if (!reply.ok) throw new Error(`${subject.subject} failed: ${JSON.stringify(reply.error)}\n${platform.logs('alerts')}`);
    return reply.data;
  }

  async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; service log:\n${platform.logs('alerts')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('completes the delivery after a restart, sends the same delivery id again at most once, and never after the success', async () => {
    const tenant = newTenant();
    const ctx = contextOf(tenant);
    const processed = new Set<string>();
    const path = '/hooks/crash';
    // The first request is held open until the process that sent it is dead; later ones are answered, and the
    // receiver acts once per delivery id, as docs/alerting.md tells webhook receivers to.
    receiver.on(path, 'hold', (req) => {
      processed.add(String(req.headers['x-llmlab-delivery']));
      return { status: 204 };
    });
    const channel = await request(s.createChannel, { type: 'webhook', name: 'ops', config: { url: receiver.origin + path } }, ctx);
    await request(s.updateSettings, { rules: { forecast: { enabled: false } } }, ctx);
    const budget = await request(
      s.createBudget,
      { name: 'crash', scope: { type: 'organization' }, period: 'monthly', amount: { amount: '1', currency: 'USD' }, thresholds: [100] },
      ctx,
    );
    const usage = usageRecorded(tenant, [usageRecord({ cost: '2' })]);
    await store.appendToStream(
      ingestionStreams.usage(tenant.projectId),
      [
        {
          type: 'UsageRecorded',
          data: usage,
          metadata: { actor: { type: 'api_key', id: tenant.apiKeyId }, organizationId: tenant.organizationId, correlationId: 'crash' },
        },
      ],
      { expectedRevision: 'any' },
    );

    await receiver.waitFor(path, 1, 60_000);
    const killed = await platform.stopService('alerts', 'SIGKILL');
    expect(killed.signal).toBe('SIGKILL');

    await platform.startService('alerts');
    await receiver.waitFor(path, 2, 60_000);
    const [held, resent] = receiver.hits(path);
    for (const copy of [held, resent]) expect(verifyWebhookSignature(channel.signingSecret!, copy.headers, copy.body).ok).toBe(true);
    expect(held.headers['x-llmlab-delivery']).toBe(resent.headers['x-llmlab-delivery']);
    expect(JSON.parse(held.body).deliveryId).toBe(JSON.parse(resent.body).deliveryId);
    expect([held.headers['x-llmlab-attempt'], resent.headers['x-llmlab-attempt']]).toEqual(['1', '2']);
    expect(processed.size).toBe(1);

    const [fired] = (await request(s.listAlerts, {}, ctx)).data;
    expect(fired).toMatchObject({ budgetId: budget.id, kind: 'threshold' });
    expect(resent.headers['x-llmlab-delivery']).toBe(`${fired.id}:${channel.id}`);
    await until(
      async () => (await request(s.listDeliveries, { alertId: fired.id }, ctx)).data[0]?.state === 'delivered',
      'the delivery to be recorded',
    );
    const [delivery] = (await request(s.listDeliveries, { alertId: fired.id }, ctx)).data;
    // Two attempts counted (the first was claimed before the kill), one recorded: the one that got an answer.
    expect(delivery).toMatchObject({
      state: 'delivered',
      attempts: 2,
      log: [expect.objectContaining({ attempt: 2, outcome: 'delivered', httpStatus: 204 })],
    });

    // After the success, nothing more: not on redelivery, not after another restart.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    await platform.stopService('alerts');
    await platform.startService('alerts');
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(receiver.hits(path)).toHaveLength(2);
  });
});
