import { sampleAlerts } from '../testing/channel-fixtures';
import { ConfigReader, type NotificationChannel, type RenderedRequest } from '../channels/notification-channel';
import type { OutboundResult } from '../outbound/outbound-client';
import { deliver } from './deliver';

/** A channel whose transport answers what the test says: classification without a network. */
function channelAnswering(result: OutboundResult): NotificationChannel<{ url: string }> & { sent: RenderedRequest[] } {
  const sent: RenderedRequest[] = [];
  return {
    type: 'fake',
    sent,
    parseConfig(config) {
      const reader = new ConfigReader(config);
      return reader.result({ url: reader.string('url') });
    },
    async validateConfig(config) {
      return this.parseConfig(config);
    },
    describe: () => 'fake',
    render: (_alert, config, context) => ({ url: config.url, headers: { 'x-key': context.idempotencyKey }, body: '{}' }),
    async send(request) {
      sent.push(request);
      return result;
    },
  };
}

const response = (status: number, body = '', headers: Record<string, string> = {}): OutboundResult => ({
  kind: 'response',
  response: { status, headers, body, truncated: false },
  durationMs: 12,
});

const [alert] = sampleAlerts();
const config = { url: 'https://hooks.example.com/x' };
const options = { idempotencyKey: 'alr_1:chn_1', attempt: 1, random: () => 0.5, now: new Date('2025-06-01T12:00:00Z') };

describe('deliver', () => {
  it('is delivered on any 2xx', async () => {
    expect(await deliver({ channel: channelAnswering(response(204)), config }, alert, options)).toEqual({
      outcome: 'delivered',
      attempt: 1,
      httpStatus: 204,
      durationMs: 12,
      detail: 'HTTP 204',
    });
  });

  it('passes the idempotency key and attempt to the channel', async () => {
    const channel = channelAnswering(response(200, 'ok'));
    await deliver({ channel, config }, alert, { ...options, attempt: 3 });
    expect(channel.sent[0].headers['x-key']).toBe('alr_1:chn_1');
  });

  it.each<[string, OutboundResult, string]>([
    ['5xx', response(503, 'rollup_error'), 'server-error'],
    ['408', response(408), 'request-timeout'],
    ['429', response(429, 'rate_limited'), 'rate-limited'],
    ['a network error', { kind: 'network', code: 'ECONNRESET', message: 'socket hang up' }, 'network'],
    ['DNS failure', { kind: 'network', code: 'ENOTFOUND', message: 'hooks.example.com does not resolve' }, 'network'],
    ['a timeout', { kind: 'timeout', message: 'no complete answer within 10000 ms' }, 'timeout'],
  ])('retries after %s', async (_name, result, reason) => {
    const outcome = await deliver({ channel: channelAnswering(result), config }, alert, options);
    expect(outcome).toMatchObject({ outcome: 'retryable', reason, retryInMs: 1_000 });
  });

  it("honours a 429's Retry-After", async () => {
    const outcome = await deliver(
      { channel: channelAnswering(response(429, '{"retry_after":12.5}', { 'retry-after': '13' })), config },
      alert,
      options,
    );
    expect(outcome).toEqual({
      outcome: 'retryable',
      reason: 'rate-limited',
      attempt: 1,
      httpStatus: 429,
      detail: 'HTTP 429: {"retry_after":12.5}',
      retryAfterMs: 13_000,
      retryInMs: 13_000,
    });
  });

  it.each<[string, OutboundResult, string]>([
    ['400', response(400, 'invalid_payload'), 'rejected'],
    ['404', response(404, 'no_service'), 'rejected'],
    ['410', response(410, 'channel_is_archived'), 'rejected'],
    ['a redirect', response(302, '', { location: 'https://elsewhere.example/' }), 'redirect'],
    ['an SSRF refusal', { kind: 'refused', reason: 'forbidden-address', message: '127.0.0.1 is a loopback address' }, 'refused'],
  ])('gives up at once on %s', async (_name, result, reason) => {
    const outcome = await deliver({ channel: channelAnswering(result), config }, alert, options);
    expect(outcome).toMatchObject({ outcome: 'permanent', reason });
  });

  it('is dead when the last allowed attempt fails in a retryable way', async () => {
    const policy = { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100, maxRetryAfterMs: 1_000 };
    const channel = channelAnswering(response(500, 'boom'));
    expect(await deliver({ channel, config }, alert, { ...options, attempt: 2, retryPolicy: policy })).toMatchObject({
      outcome: 'retryable',
    });
    expect(await deliver({ channel, config }, alert, { ...options, attempt: 3, retryPolicy: policy })).toEqual({
      outcome: 'dead',
      reason: 'server-error',
      attempt: 3,
      httpStatus: 500,
      detail: 'HTTP 500: boom (attempt 3 of 3)',
    });
  });

  it('does not send with a configuration that no longer parses', async () => {
    const channel = channelAnswering(response(200));
    expect(await deliver({ channel, config: { url: 42 } }, alert, options)).toEqual({
      outcome: 'permanent',
      reason: 'invalid-config',
      attempt: 1,
      detail: '/url: is required and must be a string',
    });
    expect(channel.sent).toHaveLength(0);
  });

  it('keeps a long answer out of the record', async () => {
    const outcome = await deliver({ channel: channelAnswering(response(400, 'e'.repeat(5000))), config }, alert, options);
    expect(outcome.detail.length).toBeLessThan(220);
  });
});
