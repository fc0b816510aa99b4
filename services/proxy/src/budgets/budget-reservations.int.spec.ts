import { Redis } from 'ioredis';
import { testEnv, uniqueSuffix } from '@llmlab/testing';
import { BudgetReservations, fromUnits, toUnits } from './budget-reservations';

describe('BudgetReservations (Redis)', () => {
  let redis: Redis;
  let reservations: BudgetReservations;
  let namespace: string;
  const org = 'org-1';
  const now = 1_800_000_000_000;

  beforeEach(() => {
    namespace = `prx${uniqueSuffix(4)}`;
    reservations = new BudgetReservations(redis, { namespace, holdTtlMs: 60_000, settledTtlMs: 10_000 });
  });
  beforeAll(() => {
    redis = new Redis(testEnv.redisUrl);
  });
  afterEach(async () => {
    const keys = await redis.keys(`{${namespace}*`);
    if (keys.length > 0) await redis.del(...keys);
  });
  afterAll(() => redis.quit());

  it('lets 100 concurrent callers hold no more than the room left: exactly as many as fit', async () => {
    const budget = { budgetId: 'b-month', limit: '0.505', spent: '0.10' };
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => reservations.reserve(org, [budget], '0.01', `call-${i}`, now)));
    // 0.10 spent + 40 × 0.01 = 0.50 ≤ 0.505; a 41st would make 0.51.
    expect(results.filter((r) => r.ok)).toHaveLength(40);
    const refused = results.find((r) => !r.ok);
    expect(refused).toEqual({ ok: false, budgetId: 'b-month', limit: '0.505', committed: '0.500000' });
    expect(await reservations.held(org, 'b-month')).toBe('0.400000');
  });

  it('settles a hold to the actual cost, which counts until the ledger has caught up; a release frees it all', async () => {
    const budget = { budgetId: 'b', limit: '1', spent: '0' };
    const a = await reservations.reserve(org, [budget], '0.6', 'a', now);
    expect(a.ok).toBe(true);
    expect((await reservations.reserve(org, [budget], '0.6', 'b', now)).ok).toBe(false);
    if (!a.ok) return;
    await reservations.settle(org, a.reservation, '0.25', now);
    expect(await reservations.held(org, 'b')).toBe('0.250000');
    expect((await reservations.reserve(org, [budget], '0.6', 'c', now + 1)).ok).toBe(true);
    // Past the settled time the ledger's spend carries the 0.25: the hold of 'a' is gone, 'c' still holds.
    const later = await reservations.reserve(org, [{ ...budget, spent: '0.25' }], '0.2', 'd', now + 10_001);
    expect(later.ok).toBe(false);
    expect(await reservations.held(org, 'b')).toBe('0.600000');
    const c = { id: 'c', budgetIds: ['b'] };
    await reservations.release(org, c, now + 10_002);
    expect(await reservations.held(org, 'b')).toBe('0.000000');
  });

  it('stops counting a hold its caller never settled (a proxy that died) after its time', async () => {
    const budget = { budgetId: 'b', limit: '1', spent: '0' };
    expect((await reservations.reserve(org, [budget], '0.9', 'lost', now)).ok).toBe(true);
    expect((await reservations.reserve(org, [budget], '0.9', 'next', now + 59_999)).ok).toBe(false);
    expect((await reservations.reserve(org, [budget], '0.9', 'next', now + 60_001)).ok).toBe(true);
    // Settling the forgotten one later changes nothing.
    await reservations.settle(org, { id: 'lost', budgetIds: ['b'] }, '0.9', now + 60_002);
    expect(await reservations.held(org, 'b')).toBe('0.900000');
  });

  it('holds on every budget of a call or on none: a project budget with room and an exhausted organization budget', async () => {
    const project = { budgetId: 'project', limit: '10', spent: '1' };
    const organization = { budgetId: 'organization', limit: '5', spent: '4.99' };
    const refused = await reservations.reserve(org, [project, organization], '0.02', 'x', now);
    expect(refused).toEqual({ ok: false, budgetId: 'organization', limit: '5', committed: '4.990000' });
    expect(await reservations.held(org, 'project')).toBe('0.000000');
    expect((await reservations.reserve(org, [project, { ...organization, spent: '4' }], '0.02', 'y', now)).ok).toBe(true);
    expect(await reservations.held(org, 'project')).toBe('0.020000');
    expect(await reservations.held(org, 'organization')).toBe('0.020000');
  });

  it('compares limits and spends beyond what Redis holds exactly (about $9e9) as they are', async () => {
    // A budget of $10 billion with nothing spent has room; a call of any cost is checked, not refused as unavailable.
    const large = { budgetId: 'large', limit: '10000000000', spent: '0' };
    expect((await reservations.reserve(org, [large], '0.02', 'a', now)).ok).toBe(true);
    expect((await reservations.reserve(org, [large], '20000000000', 'b', now)).ok).toBe(false);
    await reservations.settle(org, { id: 'a', budgetIds: ['large'] }, '12000000000', now);
    expect(await reservations.held(org, 'large')).toBe('9007199254.740991');
    // The largest spend a caller can record, one cent short of the limit: exactly what is left fits, a cent more not.
    const full = { budgetId: 'full', limit: '9999999999999999.99', spent: '9999999999999999.98' };
    expect(await reservations.reserve(org, [full], '0.02', 'c', now)).toEqual({
      ok: false,
      budgetId: 'full',
      limit: '9999999999999999.99',
      committed: '9999999999999999.980000',
    });
    expect((await reservations.reserve(org, [full], '0.01', 'd', now)).ok).toBe(true);
    // Overspent far beyond the bound: refused, and the answer says by how much.
    const over = { budgetId: 'over', limit: '1', spent: '50000000000000' };
    expect(await reservations.reserve(org, [over], '0.01', 'e', now)).toEqual({
      ok: false,
      budgetId: 'over',
      limit: '1',
      committed: '50000000000000.000000',
    });
  });

  it('keeps organizations and deployments apart', async () => {
    const budget = { budgetId: 'b', limit: '1', spent: '0' };
    expect((await reservations.reserve('org-a', [budget], '1', 'a', now)).ok).toBe(true);
    expect((await reservations.reserve('org-b', [budget], '1', 'b', now)).ok).toBe(true);
    const other = new BudgetReservations(redis, { namespace: `${namespace}x` });
    expect((await other.reserve('org-a', [budget], '1', 'c', now)).ok).toBe(true);
  });
});

describe('amounts in millionths', () => {
  it('rounds toward refusing: a limit down, an estimate or a spend up', () => {
    expect(toUnits('0.0000001', 'up')).toBe(1n);
    expect(toUnits('0.0000001', 'down')).toBe(0n);
    expect(toUnits('12.5', 'down')).toBe(12_500_000n);
    expect(toUnits('-0.0000001', 'down')).toBe(-1n);
    expect(fromUnits(-1_500_000n)).toBe('-1.500000');
    expect(() => toUnits('1e3', 'up')).toThrow('not a decimal');
    expect(toUnits('9999999999999999.999999999999', 'up')).toBe(10n ** 22n);
  });
});
