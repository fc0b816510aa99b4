import { GatewayProblem } from '../http/problem';
import { createValidationPipe } from '../http/validation';
import { UpdateAlertSettingsDto } from './alert-settings.dto';
import { ListAlertsQueryDto } from './alerts.dto';
import { CreateBudgetDto } from './budgets.dto';
import { CreateChannelDto } from './channels.dto';

const PROJECT = '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f51';

// What the gateway refuses before the alerts service sees a request: each problem named by its JSON pointer.
describe('alerts routes input', () => {
  const pipe = createValidationPipe();
  async function problems(metatype: new () => object, value: unknown, type: 'body' | 'query' = 'body') {
    const outcome = await pipe.transform(value, { type, metatype }).then(
      () => undefined,
      (err: GatewayProblem) => err.errors,
    );
    return outcome?.map((e) => e.field);
  }

  const budget = {
    name: 'Checkout',
    scope: { type: 'project', projectId: PROJECT },
    period: 'monthly',
    amount: { amount: '100.50', currency: 'USD' },
  };

  it('takes a budget per scope type with only the fields of that type', async () => {
    expect(await problems(CreateBudgetDto, budget)).toBeUndefined();
    expect(
      await problems(CreateBudgetDto, {
        ...budget,
        scope: { type: 'tag', key: 'feature', value: 'search' },
        thresholds: [50, 100],
        timeZone: 'Europe/Paris',
      }),
    ).toBeUndefined();
    expect(await problems(CreateBudgetDto, { ...budget, scope: { type: 'organization' } })).toBeUndefined();
    expect(await problems(CreateBudgetDto, { ...budget, scope: { type: 'project' } })).toEqual(['/scope/projectId']);
    expect(await problems(CreateBudgetDto, { ...budget, scope: { type: 'organization', projectId: PROJECT } })).toEqual([
      '/scope/projectId',
    ]);
    expect(await problems(CreateBudgetDto, { ...budget, scope: { type: 'end_user', userId: 'u', key: 'k' } })).toEqual(['/scope/key']);
    expect(await problems(CreateBudgetDto, { ...budget, scope: { type: 'team' } })).toEqual(['/scope/type']);
  });

  it('names the amount, currency, threshold and zone that are wrong', async () => {
    const fields = await problems(CreateBudgetDto, {
      ...budget,
      amount: { amount: 100, currency: 'EUR' },
      thresholds: [50, 80, 1001, 2.5],
      timeZone: 'Mars/Olympus',
      organizationId: PROJECT,
    });
    expect(new Set(fields)).toEqual(new Set(['/amount/amount', '/amount/currency', '/thresholds', '/timeZone', '/organizationId']));
  });

  it('refuses a signing secret on anything but a webhook, and a short one', async () => {
    const slack = { type: 'slack', name: 'ops', config: { url: 'https://hooks.slack.com/services/T0/B0/x' } };
    expect(await problems(CreateChannelDto, slack)).toBeUndefined();
    expect(await problems(CreateChannelDto, { ...slack, config: { ...slack.config, secret: 'x'.repeat(32) } })).toEqual(['/config']);
    expect(await problems(CreateChannelDto, { ...slack, type: 'webhook', config: { ...slack.config, secret: 'short' } })).toEqual([
      '/config/secret',
    ]);
    expect(await problems(CreateChannelDto, { ...slack, type: 'email', config: { url: 1, extra: true } })).toEqual(
      expect.arrayContaining(['/type', '/config/url', '/config/extra']),
    );
  });

  it('reads the alert filters from the query string', async () => {
    expect(
      await problems(ListAlertsQueryDto, { state: 'firing', kind: 'threshold', from: '2025-06-01T00:00:00Z', limit: '20' }, 'query'),
    ).toBeUndefined();
    expect(await problems(ListAlertsQueryDto, { state: 'open', budgetId: 'b', limit: '500', to: 'yesterday' }, 'query')).toEqual([
      '/state',
      '/budgetId',
      '/to',
      '/limit',
    ]);
  });

  it('names the rule setting that is wrong or unknown', async () => {
    expect(
      await problems(UpdateAlertSettingsDto, { timeZone: 'UTC', rules: { forecast: { enabled: false, percent: 120 } } }),
    ).toBeUndefined();
    const fields = await problems(UpdateAlertSettingsDto, {
      rules: { forecast: { percent: 0 }, anomaly: { minIncrease: '0', window: 3 }, sms: {} },
    });
    expect(new Set(fields)).toEqual(
      new Set(['/rules/forecast/percent', '/rules/anomaly/minIncrease', '/rules/anomaly/window', '/rules/sms']),
    );
  });
});
