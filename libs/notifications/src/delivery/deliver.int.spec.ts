import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { discordMessageViolations, sampleAlerts, slackMessageViolations } from '../testing/channel-fixtures';
import { DiscordChannel } from '../channels/discord.channel';
import { SlackChannel } from '../channels/slack.channel';
import { WebhookChannel } from '../channels/webhook.channel';
import { OutboundClient } from '../outbound/outbound-client';
import { createOutboundPolicy, type HostResolver, type OutboundPolicyOptions } from '../outbound/outbound-policy';
import { verifyWebhookSignature } from '../webhook-signature';
import { deliver } from './deliver';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Reply = { status: number; headers?: Record<string, string>; body?: string | Buffer } | 'hang';

/**
 * A local receiver on 127.0.0.1 that answers what Slack, Discord or a customer's endpoint answer. Each path
 * replies from its queue (the last reply repeats) and every request is recorded.
 */
class Receiver {
  readonly received: Received[] = [];
  private readonly replies = new Map<string, (Reply | ((request: Received) => Reply))[]>();
  private server!: Server;
  origin = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.received.push(request);
        const queue = this.replies.get(request.path) ?? [{ status: 404, body: 'no route' }];
        const next = queue.length > 1 ? queue.shift()! : queue[0];
        const reply = typeof next === 'function' ? next(request) : next;
        if (reply === 'hang') return;
        res.writeHead(reply.status, reply.headers ?? {});
        res.end(reply.body ?? '');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  on(path: string, ...replies: (Reply | ((request: Received) => Reply))[]): string {
    this.replies.set(path, replies);
    return this.origin + path;
  }

  hits(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const slackOk: Reply = { status: 200, headers: { 'content-type': 'text/html' }, body: 'ok' };
const discordRateLimited: Reply = {
  status: 429,
  headers: { 'content-type': 'application/json', 'retry-after': '2', 'x-ratelimit-reset-after': '1.234', 'x-ratelimit-scope': 'shared' },
  body: JSON.stringify({ message: 'You are being rate limited.', retry_after: 1.234, global: false }),
};

const [alert] = sampleAlerts();
const random = () => 0.5;
const secret = 'whsec_int_0123456789abcdefghijklmn';

let receiver: Receiver;
let client: OutboundClient;

function clientFor(options: OutboundPolicyOptions): OutboundClient {
  return new OutboundClient(createOutboundPolicy({ timeoutMs: 2_000, ...options }));
}

beforeEach(async () => {
  receiver = await new Receiver().start();
  client = clientFor({ trustedOrigins: [receiver.origin] });
});

afterEach(() => receiver.stop());

describe('Slack, on a receiver that answers like Slack', () => {
  it('delivers a Block Kit message that matches the documented shape', async () => {
    const url = receiver.on('/services/T0001/B0001/abc', slackOk);
    const result = await deliver({ channel: new SlackChannel(client), config: { url } }, alert, {
      idempotencyKey: 'alr_1:chn_slack',
      attempt: 1,
    });
    expect(result).toMatchObject({ outcome: 'delivered', httpStatus: 200, detail: 'HTTP 200: ok' });
    const [request] = receiver.hits('/services/T0001/B0001/abc');
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(slackMessageViolations(JSON.parse(request.body))).toEqual([]);
  });

  it('retries a 500 and succeeds on the next attempt', async () => {
    const url = receiver.on('/services/T0001/B0001/flaky', { status: 500, body: 'rollup_error' }, slackOk);
    const target = { channel: new SlackChannel(client), config: { url } };
    const first = await deliver(target, alert, { idempotencyKey: 'k', attempt: 1, random });
    expect(first).toMatchObject({ outcome: 'retryable', reason: 'server-error', httpStatus: 500, detail: 'HTTP 500: rollup_error' });
    expect(await deliver(target, alert, { idempotencyKey: 'k', attempt: 2, random })).toMatchObject({ outcome: 'delivered' });
  });

  it("honours a 429's Retry-After", async () => {
    const url = receiver.on('/services/T0001/B0001/busy', {
      status: 429,
      headers: { 'retry-after': '30', 'content-type': 'text/plain' },
      body: 'rate_limited',
    });
    const result = await deliver({ channel: new SlackChannel(client), config: { url } }, alert, {
      idempotencyKey: 'k',
      attempt: 1,
      random,
    });
    expect(result).toMatchObject({ outcome: 'retryable', reason: 'rate-limited', retryAfterMs: 30_000, retryInMs: 30_000 });
  });

  it('gives up on 400 invalid_payload', async () => {
    const url = receiver.on('/services/T0001/B0001/bad', { status: 400, body: 'invalid_payload' });
    const result = await deliver({ channel: new SlackChannel(client), config: { url } }, alert, { idempotencyKey: 'k', attempt: 1 });
    expect(result).toMatchObject({ outcome: 'permanent', reason: 'rejected', httpStatus: 400, detail: 'HTTP 400: invalid_payload' });
  });
});

describe('Discord, on a receiver that answers like Discord', () => {
  it('delivers an embed that matches the documented shape (204 No Content)', async () => {
    const url = receiver.on('/api/webhooks/1234/tok', { status: 204 });
    const result = await deliver({ channel: new DiscordChannel(client), config: { url } }, alert, {
      idempotencyKey: 'k',
      attempt: 1,
    });
    expect(result).toMatchObject({ outcome: 'delivered', httpStatus: 204 });
    expect(discordMessageViolations(JSON.parse(receiver.hits('/api/webhooks/1234/tok')[0].body))).toEqual([]);
  });

  it('waits as long as the 429 asks (Retry-After header, JSON retry_after), then delivers', async () => {
    const url = receiver.on('/api/webhooks/1234/busy', discordRateLimited, { status: 204 });
    const target = { channel: new DiscordChannel(client), config: { url } };
    expect(await deliver(target, alert, { idempotencyKey: 'k', attempt: 1, random })).toMatchObject({
      outcome: 'retryable',
      reason: 'rate-limited',
      retryAfterMs: 2_000,
      retryInMs: 2_000,
    });
    expect(await deliver(target, alert, { idempotencyKey: 'k', attempt: 2, random })).toMatchObject({ outcome: 'delivered' });
  });

  it('honours a JSON retry_after alone', async () => {
    const url = receiver.on('/api/webhooks/1234/body-only', {
      status: 429,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'You are being rate limited.', retry_after: 4.5, global: true }),
    });
    const result = await deliver({ channel: new DiscordChannel(client), config: { url } }, alert, {
      idempotencyKey: 'k',
      attempt: 1,
      random,
    });
    expect(result).toMatchObject({ outcome: 'retryable', retryAfterMs: 4_500, retryInMs: 4_500 });
  });

  it('gives up on 400 Invalid Form Body', async () => {
    const url = receiver.on('/api/webhooks/1234/invalid', {
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: 50035, message: 'Invalid Form Body', errors: {} }),
    });
    const result = await deliver({ channel: new DiscordChannel(client), config: { url } }, alert, { idempotencyKey: 'k', attempt: 1 });
    expect(result).toMatchObject({ outcome: 'permanent', reason: 'rejected', httpStatus: 400 });
  });
});

describe('signed webhooks', () => {
  const verifying = (request: Received): Reply =>
    verifyWebhookSignature(secret, request.headers, request.body).ok
      ? { status: 200, body: '{"received":true}' }
      : { status: 401, body: 'bad signature' };

  it('is verified by the receiver with verifyWebhookSignature, and carries the same delivery id on a retry', async () => {
    const url = receiver.on('/hooks/llmlab', { status: 503, body: 'deploying' }, verifying);
    const target = { channel: new WebhookChannel(client), config: { url, secret } };
    expect(await deliver(target, alert, { idempotencyKey: 'alr_1:chn_9', attempt: 1, random })).toMatchObject({
      outcome: 'retryable',
    });
    expect(await deliver(target, alert, { idempotencyKey: 'alr_1:chn_9', attempt: 2 })).toMatchObject({
      outcome: 'delivered',
      httpStatus: 200,
    });
    const [first, second] = receiver.hits('/hooks/llmlab');
    expect(second.headers['x-llmlab-delivery']).toBe('alr_1:chn_9');
    expect(first.headers['x-llmlab-delivery']).toBe('alr_1:chn_9');
    expect(second.body).toBe(first.body);
    expect(JSON.parse(second.body)).toMatchObject({ type: 'alert.threshold', deliveryId: 'alr_1:chn_9', alert });
  });

  it('is refused by a receiver holding another secret, for good', async () => {
    const url = receiver.on('/hooks/llmlab', verifying);
    const result = await deliver(
      { channel: new WebhookChannel(client), config: { url, secret: 'whsec_not_the_right_one_0123456789' } },
      alert,
      { idempotencyKey: 'k', attempt: 1 },
    );
    expect(result).toMatchObject({ outcome: 'permanent', reason: 'rejected', httpStatus: 401 });
  });
});

describe('the SSRF-safe client at connect time', () => {
  it('refuses a redirect and does not follow it', async () => {
    const target = receiver.on('/hooks/final', { status: 200 });
    const url = receiver.on('/hooks/moved', { status: 302, headers: { location: target } });
    const result = await deliver({ channel: new WebhookChannel(client), config: { url, secret } }, alert, {
      idempotencyKey: 'k',
      attempt: 1,
    });
    expect(result).toMatchObject({ outcome: 'permanent', reason: 'redirect', httpStatus: 302 });
    expect(receiver.hits('/hooks/final')).toHaveLength(0);
  });

  it('sends nothing to a loopback receiver that is not a trusted origin', async () => {
    const url = receiver.on('/hooks/llmlab', { status: 200 });
    const untrusted = clientFor({});
    const port = new URL(receiver.origin).port;
    for (const candidate of [url, `https://127.0.0.1:${port}/hooks/llmlab`, `https://[::ffff:127.0.0.1]:${port}/hooks/llmlab`]) {
      const result = await deliver({ channel: new WebhookChannel(untrusted), config: { url: candidate, secret } }, alert, {
        idempotencyKey: 'k',
        attempt: 1,
      });
      expect(result).toMatchObject({ outcome: 'permanent', reason: 'refused' });
    }
    expect(receiver.received).toHaveLength(0);
  });

  it('sends nothing to a name that resolves to a loopback address', async () => {
    receiver.on('/hooks/llmlab', { status: 200 });
    const rebinding = clientFor({ resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    const port = new URL(receiver.origin).port;
    const result = await deliver(
      { channel: new WebhookChannel(rebinding), config: { url: `https://hooks.attacker.example:${port}/hooks/llmlab`, secret } },
      alert,
      { idempotencyKey: 'k', attempt: 1 },
    );
    expect(result).toMatchObject({ outcome: 'permanent', reason: 'refused' });
    expect(result.detail).toContain('hooks.attacker.example resolves to 127.0.0.1, which is a loopback address');
    expect(receiver.received).toHaveLength(0);
  });

  it('connects to the address it checked: a second, different DNS answer is never asked for', async () => {
    const port = new URL(receiver.origin).port;
    const answers = [[{ address: '127.0.0.1', family: 4 as const }], [{ address: '10.9.9.9', family: 4 as const }]];
    let lookups = 0;
    const resolve: HostResolver = async () => answers[Math.min(lookups++, 1)];
    const pinned = clientFor({ resolve, trustedOrigins: [`http://receiver.test:${port}`] });
    receiver.on('/hooks/llmlab', { status: 204 });
    const result = await pinned.post({ url: `http://receiver.test:${port}/hooks/llmlab`, headers: {}, body: '{}' });
    expect(result).toMatchObject({ kind: 'response', response: { status: 204 } });
    expect(lookups).toBe(1);
    expect(receiver.hits('/hooks/llmlab')[0].headers.host).toBe(`receiver.test:${port}`);
  });

  it('gives up on a receiver that does not answer in time, as a retryable timeout', async () => {
    const url = receiver.on('/hooks/slow', 'hang');
    const impatient = clientFor({ trustedOrigins: [receiver.origin], timeoutMs: 300 });
    const started = Date.now();
    const result = await deliver({ channel: new WebhookChannel(impatient), config: { url, secret } }, alert, {
      idempotencyKey: 'k',
      attempt: 1,
    });
    expect(result).toMatchObject({ outcome: 'retryable', reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('reads no more of an answer than maxResponseBytes', async () => {
    const url = receiver.on('/hooks/huge', { status: 200, body: Buffer.alloc(4 * 1024 * 1024, 'a') });
    const small = clientFor({ trustedOrigins: [receiver.origin], maxResponseBytes: 1024 });
    const result = await small.post({ url, headers: {}, body: '{}' });
    expect(result).toMatchObject({ kind: 'response', response: { status: 200, truncated: true } });
    expect(result.kind === 'response' && result.response.body.length).toBe(1024);
  });

  it('reports a refused connection as a retryable network failure', async () => {
    const url = receiver.on('/hooks/llmlab', { status: 200 });
    await receiver.stop();
    const result = await deliver({ channel: new WebhookChannel(client), config: { url, secret } }, alert, {
      idempotencyKey: 'k',
      attempt: 1,
    });
    expect(result).toMatchObject({ outcome: 'retryable', reason: 'network' });
    expect(result.detail).toMatch(/^ECONNREFUSED/);
    receiver = await new Receiver().start();
  });
});
