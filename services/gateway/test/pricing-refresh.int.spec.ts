import { Redis } from 'ioredis';
import { v7 as uuidv7 } from 'uuid';
import { loadConfig } from '@llmlab/config';
import { createLogger } from '@llmlab/logging';
import { testEnv, uniqueSuffix } from '@llmlab/testing';
import { gatewayEnv } from '../src/gateway.config';
import { PricingRefreshPolicy } from '../src/pricing/pricing-refresh.policy';

// Who may refresh the shared price catalog beyond the route's role: the operator organizations when configured,
// and a few times an hour per organization (counted in the real Redis).
describe('PricingRefreshPolicy', () => {
  const prefix = `prp${uniqueSuffix(4)}`;
  const logger = createLogger({ service: 'gateway', level: 'silent' });
  let redis: Redis;
  const policy = (env: Record<string, string>) =>
    new PricingRefreshPolicy(loadConfig(gatewayEnv, { NATS_PREFIX: prefix, ...env }), redis, logger);

  beforeAll(() => {
    redis = new Redis(testEnv.redisUrl);
  });
  afterAll(async () => {
    const keys = await redis.keys(`llmlab:${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('admits any organization when none is configured, up to the hourly limit', async () => {
    const organizationId = uuidv7();
    const open = policy({ RATE_LIMIT_PRICING_REFRESH_PER_HOUR: '2' });
    await open.admit(organizationId);
    await open.admit(organizationId);
    await expect(open.admit(organizationId)).rejects.toMatchObject({
      status: 429,
      code: 'RATE_LIMITED',
      headers: { 'Retry-After': expect.stringMatching(/^\d+$/) },
    });
    await expect(open.admit(uuidv7())).resolves.toBeUndefined();
  });

  it('admits only the configured operator organizations', async () => {
    const operator = uuidv7();
    const restricted = policy({ PRICING_ADMIN_ORGANIZATIONS: ` ${operator.toUpperCase()} , ${uuidv7()}` });
    await expect(restricted.admit(operator)).resolves.toBeUndefined();
    await expect(restricted.admit(uuidv7())).rejects.toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });

  it('refuses a configuration that is not a list of organization ids, naming the variable', () => {
    expect(() => loadConfig(gatewayEnv, { PRICING_ADMIN_ORGANIZATIONS: 'acme' })).toThrow(/PRICING_ADMIN_ORGANIZATIONS/);
  });
});
