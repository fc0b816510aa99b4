import { ingestionSubjects, type RecordedSpendRequest, type UsageCounts } from '@llmlab/contracts';
import { IngestionHarness } from './ingestion.harness';
import { newTenant, usageBatch, type Tenant } from './usage.fixtures';
import { usageEvent } from '@llmlab/testing';

const DAY = 86_400_000;

// Recorded spend per UTC day, provider and model or project, as provider-sync's reconciliation reads it.
describe('recorded spend query', () => {
  let h: IngestionHarness;
  let p1: Tenant;
  let p2: Tenant;
  let other: Tenant;
  let d0: number;
  const at = (day: number, time: string) => new Date(d0 + day * DAY + Date.parse(`1970-01-01T${time}Z`)).toISOString();
  const day = (n: number) => new Date(d0 + n * DAY).toISOString().slice(0, 10);
  const org = (t: Tenant) => ({ organizationId: t.organizationId });
  const spend = (request: Partial<RecordedSpendRequest>, t: Tenant = p1) =>
    h.request(ingestionSubjects.recordedSpend, { from: at(0, '00:00:00'), to: at(3, '00:00:00'), groupBy: 'day', ...request }, org(t));

  beforeAll(async () => {
    h = await IngestionHarness.start();
    d0 = Math.floor(Date.now() / DAY) * DAY - 5 * DAY;
    p1 = newTenant();
    p2 = newTenant(p1.organizationId);
    other = newTenant();
    const event = (
      timestamp: string,
      provider: string,
      model: string,
      amount: string,
      usage: UsageCounts = { inputTokens: 100, outputTokens: 10 },
    ) => usageEvent({ timestamp, provider, model, usage, cost: { amount, currency: 'USD' } });
    await h.publish(
      usageBatch(p1, [
        event(at(0, '00:00:00'), 'openai', 'gpt-4o', '0.100000000001', { inputTokens: 1000, outputTokens: 50, cachedInputTokens: 400 }),
        event(at(0, '23:59:59.999'), 'openai', 'gpt-4o-mini', '0.2'),
        event(at(0, '12:00:00'), 'anthropic', 'claude-sonnet-4-5', '1.5'),
        event(at(1, '08:00:00'), 'openai', 'gpt-4o', '0.3'),
        event(at(3, '00:00:00'), 'openai', 'gpt-4o', '9'),
      ]),
    );
    await h.publish(usageBatch(p2, [event(at(0, '06:00:00'), 'openai', 'gpt-4o', '0.05')]));
    await h.publish(usageBatch(other, [event(at(0, '06:00:00'), 'openai', 'gpt-4o', '7')]));
    await h.until(async () => (await h.count('SELECT count(*) AS n FROM ingestion.usage_records')) === 7, 'the records');
    await h.settled();
  }, 60_000);
  afterAll(() => h?.stop());

  it('sums whole UTC days per provider, exactly, for the context organization only', async () => {
    const page = await spend({});
    expect([page.from, page.to, page.nextCursor]).toEqual([at(0, '00:00:00'), at(3, '00:00:00'), null]);
    expect(page.data.map((r) => [r.day, r.provider, r.cost.amount, r.requests])).toEqual([
      [day(0), 'anthropic', '1.500000000000', 1],
      [day(0), 'openai', '0.350000000001', 3],
      [day(1), 'openai', '0.300000000000', 1],
    ]);
    expect(page.data[1]).toMatchObject({ inputTokens: 1200, outputTokens: 70, cachedInputTokens: 400, unpriced: 0 });
    expect((await spend({}, other)).data.map((r) => r.cost.amount)).toEqual(['7.000000000000']);
  });

  it('widens a range to the UTC days it touches and filters by provider', async () => {
    const page = await spend({ from: at(0, '13:00:00'), to: at(1, '00:00:00.001'), provider: 'openai' });
    expect([page.from, page.to]).toEqual([at(0, '00:00:00'), at(2, '00:00:00')]);
    expect(page.data.map((r) => [r.day, r.cost.amount])).toEqual([
      [day(0), '0.350000000001'],
      [day(1), '0.300000000000'],
    ]);
  });

  it('groups by model or by project, and pages through the rows without gaps or repeats', async () => {
    const models = await spend({ groupBy: 'model' });
    expect(models.data.map((r) => [r.day, r.provider, r.model, r.cost.amount])).toEqual([
      [day(0), 'anthropic', 'claude-sonnet-4-5', '1.500000000000'],
      [day(0), 'openai', 'gpt-4o', '0.150000000001'],
      [day(0), 'openai', 'gpt-4o-mini', '0.200000000000'],
      [day(1), 'openai', 'gpt-4o', '0.300000000000'],
    ]);
    const projects = await spend({ groupBy: 'project', provider: 'openai', to: at(1, '00:00:00') });
    expect(projects.data.map((r) => [r.projectId, r.cost.amount]).sort()).toEqual(
      [
        [p1.projectId, '0.300000000001'],
        [p2.projectId, '0.050000000000'],
      ].sort(),
    );
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await spend({ groupBy: 'model', limit: 1, cursor });
      seen.push(...page.data.map((r) => `${r.day}/${r.provider}/${r.model}`));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(models.data.map((r) => `${r.day}/${r.provider}/${r.model}`));
  });

  it('refuses bad input naming the field', async () => {
    const refusal = async (request: Partial<RecordedSpendRequest>) => {
      const payload = { from: at(0, '00:00:00'), to: at(3, '00:00:00'), groupBy: 'day' as const, ...request };
      const reply = await h.reply(ingestionSubjects.recordedSpend, payload, org(p1));
      if (reply.ok) throw new Error('accepted');
      return reply.error;
    };
    expect((await refusal({ groupBy: 'user' as never })).errors?.[0]?.field).toBe('/groupBy');
    expect((await refusal({ to: at(0, '00:00:00') })).errors?.[0]?.field).toBe('/to');
    expect((await refusal({ to: at(401, '00:00:00') })).errors?.[0]?.field).toBe('/to');
    expect((await refusal({ limit: 0 })).errors?.[0]?.field).toBe('/limit');
    expect((await refusal({ cursor: 'nope' })).code).toBe('INVALID_CURSOR');
  });
});
