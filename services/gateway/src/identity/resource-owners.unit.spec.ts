import { GatewayProblem } from '../http/problem';
import { ResourceOwners } from './resource-owners';

const ORG_A = '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f50';
const ORG_B = '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f51';
const BUDGET = '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f52';
const ALERT = '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f53';

describe('ResourceOwners', () => {
  function owners(table: Record<string, string>, cacheMs = 60_000) {
    const asked: string[] = [];
    const registry = new ResourceOwners(cacheMs);
    const lookup = async (id: string) => {
      asked.push(id);
      return table[id] ?? null;
    };
    registry.register('budgetId', 'budget', lookup);
    registry.register('alertId', 'alert', lookup);
    return { registry, asked };
  }

  const rejection = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (err: GatewayProblem) => ({ status: err.status, code: err.code }),
    );

  it('names the owner of the registered parameter and ignores the others', async () => {
    const { registry } = owners({ [BUDGET]: ORG_A });
    await expect(registry.resolve({ budgetId: BUDGET, orgId: ORG_B }, 'c')).resolves.toEqual({
      resource: 'budget',
      id: BUDGET,
      organizationId: ORG_A,
    });
    await expect(registry.resolve({ orgId: ORG_B, keyId: BUDGET }, 'c')).resolves.toBeUndefined();
  });

  it("answers the resource's 404 for an unknown id, and for a malformed one without a lookup", async () => {
    const { registry, asked } = owners({});
    expect(await rejection(registry.resolve({ budgetId: BUDGET }, 'c'))).toEqual({ status: 404, code: 'BUDGET_NOT_FOUND' });
    expect(await rejection(registry.resolve({ alertId: '../etc' }, 'c'))).toEqual({ status: 404, code: 'ALERT_NOT_FOUND' });
    expect(asked).toEqual([BUDGET]);
  });

  it('refuses ids of two organizations in one path', async () => {
    const { registry } = owners({ [BUDGET]: ORG_A, [ALERT]: ORG_B });
    expect(await rejection(registry.resolve({ budgetId: BUDGET, alertId: ALERT }, 'c'))).toEqual({ status: 404, code: 'ALERT_NOT_FOUND' });
  });

  it('remembers answers, missing ids included, for its cache time only', async () => {
    const cached = owners({ [BUDGET]: ORG_A });
    for (let i = 0; i < 3; i++) {
      await cached.registry.resolve({ budgetId: BUDGET }, 'c');
      await rejection(cached.registry.resolve({ alertId: ALERT }, 'c'));
    }
    expect(cached.asked).toEqual([BUDGET, ALERT]);
    const uncached = owners({ [BUDGET]: ORG_A }, 0);
    await uncached.registry.resolve({ budgetId: BUDGET }, 'c');
    await uncached.registry.resolve({ budgetId: BUDGET }, 'c');
    expect(uncached.asked).toEqual([BUDGET, BUDGET]);
  });

  it('takes one lookup per parameter', () => {
    const { registry } = owners({});
    expect(() => registry.register('budgetId', 'budget', async () => null)).toThrow('{budgetId}');
  });
});
