import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ingestionStreams,
  ingestionSubjects,
  type CreatePriceOverrideRequest,
  type UsageEventInput,
  type UsageRepricedData,
} from '@llmlab/contracts';
import { trustedScope } from '@llmlab/domain';
import type { Provider } from '@pydantic/genai-prices';
import { PriceBook } from '../src/price-catalog/price-book';
import { computeCost, loadGenaiPricesProviders, type PriceEntry } from '@llmlab/pricing';
import { pseudonymOf } from '../src/end-users/end-user-pseudonyms';
import { usageRecordedEvents } from '../src/usage/usage-recording.handler';
import { IngestionHarness } from './ingestion.harness';
import { newTenant, usageBatch, type Tenant } from './usage.fixtures';
import { usageEvent } from '@llmlab/testing';

interface RecordCostRow {
  event_id: string;
  cost: string | null;
  cost_status: string;
  price_entry_id: string | null;
  price_origin: string | null;
}

// Pricing end to end: the catalog seeded from genai-prices, organization overrides, repricing by correction
// events, and refreshes of the catalog without a deploy.
describe('pricing', () => {
  let h: IngestionHarness;
  let bundled: readonly Provider[];
  /** What the remote source (PRICING_DATA_URL) serves: genai-prices' published data, as a test makes it. */
  let providers: readonly Provider[];
  let dataServer: Server;

  beforeAll(async () => {
    bundled = await loadGenaiPricesProviders();
    providers = bundled;
    dataServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(providers));
    });
    await new Promise<void>((resolve) => dataServer.listen(0, '127.0.0.1', resolve));
    const { port } = dataServer.address() as AddressInfo;
    h = await IngestionHarness.start({ env: { PRICING_DATA_URL: `http://127.0.0.1:${port}/data.json` } });
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
    dataServer?.closeAllConnections();
    await new Promise((resolve) => dataServer?.close(resolve));
  }, 30_000);

  const costs = async (t: Tenant): Promise<Record<string, RecordCostRow>> => {
    const { rows } = await h.sql.query<RecordCostRow>(
      'SELECT event_id, cost::text AS cost, cost_status, price_entry_id, price_origin FROM ingestion.usage_records WHERE project_id = $1',
      [t.projectId],
    );
    return Object.fromEntries(rows.map((r) => [r.event_id, r]));
  };
  const ingest = async (t: Tenant, events: UsageEventInput[], receivedAt?: string) => {
    await h.publish(usageBatch(t, events, receivedAt ? { receivedAt } : {}));
    await h.until(async () => {
      const recorded = await costs(t);
      return events.every((e) => recorded[e.id]);
    }, 'the records');
    await h.settled();
  };
  const summary = (t: Tenant, hours = 2) => {
    const now = Date.now();
    return h.request(
      ingestionSubjects.costSummary,
      { from: new Date(now - hours * 3_600_000).toISOString(), to: new Date(now + 600_000).toISOString() },
      { organizationId: t.organizationId, projectId: t.projectId },
    );
  };
  const override = (t: Tenant, request: CreatePriceOverrideRequest) =>
    h.request(ingestionSubjects.createPriceOverride, request, { organizationId: t.organizationId, actor: { type: 'user', id: 'admin-1' } });

  it('seeds the catalog once from genai-prices, with attribution', async () => {
    await h.settled();
    const all = await h.request(ingestionSubjects.pricingModels, { provider: 'openai', search: 'GPT-4o-mini' });
    expect(all.attribution).toMatchObject({ name: '@pydantic/genai-prices', license: 'MIT' });
    expect(all.data.find((m) => m.model === 'gpt-4o-mini')).toMatchObject({
      rates: { input: '0.15', output: '0.6', cachedInput: '0.075' },
    });
    expect(all.nextCursor).toBeNull();
    const first = await h.request(ingestionSubjects.pricingModels, { provider: 'openai', search: 'gpt-4o-mini', limit: 2 });
    const rest = await h.request(ingestionSubjects.pricingModels, { provider: 'openai', search: 'gpt-4o-mini', cursor: first.nextCursor! });
    expect([...first.data, ...rest.data].map((m) => m.id)).toEqual(all.data.map((m) => m.id));
    const catalogEvents = await h.runtime.eventStore.readStream(ingestionStreams.priceCatalog);
    expect(catalogEvents.every((e) => e.type === 'PriceCatalogRefreshed')).toBe(true);
    // The bundled data again: nothing to append.
    await expect(h.request(ingestionSubjects.refreshPricing, {})).resolves.toMatchObject({ refreshId: null, opened: 0 });
  });

  it('never charges cached tokens twice', async () => {
    const tenant = newTenant();
    // gpt-4o-mini: $0.15 input, $0.075 cached input, $0.60 output per million tokens.
    const openai = usageEvent({ usage: { inputTokens: 10_000, cachedInputTokens: 8_000, outputTokens: 1_000 } });
    // Claude Sonnet 4: $3 input, $0.30 cache read, $3.75 cache write, $15 output (docs/pricing.md's example).
    const anthropic = usageEvent({
      provider: 'anthropic',
      model: 'claude-sonnet-4-0',
      usage: { inputTokens: 26_000, cachedInputTokens: 20_000, cacheWriteTokens: 5_000, outputTokens: 500 },
    });
    await ingest(tenant, [openai, anthropic]);
    const recorded = await costs(tenant);
    expect(recorded[openai.id]).toMatchObject({
      cost: '0.001500000000',
      cost_status: 'priced',
      price_entry_id: 'genai-prices:openai:gpt-4o-mini@origin',
    });
    expect(recorded[anthropic.id]).toMatchObject({ cost: '0.035250000000', price_origin: 'catalog' });
  });

  it('records an explicit cost as sent, and never reprices it', async () => {
    const tenant = newTenant();
    const event = usageEvent({ provider: 'acme', model: 'explicit-1', cost: { amount: '0.5', currency: 'USD' } });
    await ingest(tenant, [event]);
    await override(tenant, { provider: 'acme', model: 'explicit-1', rates: { input: '1000', output: '1000' } });
    await h.settled();
    expect((await costs(tenant))[event.id]).toMatchObject({ cost: '0.500000000000', cost_status: 'override', price_entry_id: null });
  });

  it('keeps an unknown model unpriced, then reprices it when an override arrives, and back when it goes', async () => {
    const tenant = newTenant();
    const event = usageEvent({ provider: 'acme', model: 'acme-large-2026-01', usage: { inputTokens: 1_000, outputTokens: 500 } });
    await ingest(tenant, [event]);
    expect((await costs(tenant))[event.id]).toMatchObject({ cost: null, cost_status: 'unpriced' });
    expect((await summary(tenant)).current).toMatchObject({ requests: 1, unpriced: 1, cost: { amount: '0.000000000000' } });

    const created = await override(tenant, {
      provider: 'acme',
      model: 'acme-large',
      patterns: [{ kind: 'prefix', value: 'acme-large-' }],
      rates: { input: '2', output: '6' },
    });
    expect(created).toMatchObject({
      organizationId: tenant.organizationId,
      provider: 'acme',
      effectiveFrom: null,
      createdBy: 'user:admin-1',
    });
    await h.until(async () => (await costs(tenant))[event.id].cost_status === 'priced', 'the repricing');
    expect((await costs(tenant))[event.id]).toMatchObject({ cost: '0.005000000000', price_entry_id: created.id, price_origin: 'override' });
    expect((await summary(tenant)).current).toMatchObject({ requests: 1, unpriced: 0, cost: { amount: '0.005000000000' } });

    const ledger = await h.runtime.eventStore.readStream(ingestionStreams.usage(tenant.projectId));
    expect(ledger.map((e) => e.type)).toEqual(['UsageRecorded', 'UsageRepriced']);
    expect((ledger[1].data as UsageRepricedData).corrections).toEqual([
      {
        eventId: event.id,
        timestamp: event.timestamp,
        previous: { status: 'unpriced', amount: null, currency: 'USD', priceEntryId: null, priceOrigin: null },
        current: { status: 'priced', amount: '0.005000000000', currency: 'USD', priceEntryId: created.id, priceOrigin: 'override' },
      },
    ]);
    expect(ledger[1].metadata).toMatchObject({
      actor: { type: 'system', id: 'ingestion-repricer' },
      organizationId: tenant.organizationId,
    });

    await h.request(ingestionSubjects.deletePriceOverride, { overrideId: created.id }, { organizationId: tenant.organizationId });
    await h.until(async () => (await costs(tenant))[event.id].cost_status === 'unpriced', 'the repricing back');
    expect((await summary(tenant)).current).toMatchObject({ unpriced: 1, cost: { amount: '0.000000000000' } });
  });

  it('prices one second before and after a change at the old and the new price', async () => {
    const tenant = newTenant();
    const change = new Date(Math.floor(Date.now() / 1000) * 1000 - 600_000);
    const before = usageEvent({ provider: 'acme', model: 'boundary-1', timestamp: new Date(change.getTime() - 1000).toISOString() });
    const after = usageEvent({ provider: 'acme', model: 'boundary-1', timestamp: new Date(change.getTime() + 1000).toISOString() });
    const at = usageEvent({ provider: 'acme', model: 'boundary-1', timestamp: change.toISOString() });
    const usage = { inputTokens: 1_000_000, outputTokens: 0 };
    const old = await override(tenant, {
      provider: 'acme',
      model: 'boundary-1',
      effectiveTo: change.toISOString(),
      rates: { input: '1', output: '1' },
    });
    const current = await override(tenant, {
      provider: 'acme',
      model: 'boundary-1',
      effectiveFrom: change.toISOString(),
      rates: { input: '2', output: '2' },
    });
    await ingest(
      tenant,
      [before, after, at].map((e) => ({ ...e, usage })),
    );
    const recorded = await costs(tenant);
    expect(recorded[before.id]).toMatchObject({ cost: '1.000000000000', price_entry_id: old.id });
    expect(recorded[at.id]).toMatchObject({ cost: '2.000000000000', price_entry_id: current.id });
    expect(recorded[after.id]).toMatchObject({ cost: '2.000000000000', price_entry_id: current.id });
  });

  it("applies the catalog's dated price change at its instant (o3, 2025-06-10)", async () => {
    const tenant = newTenant();
    const usage = { inputTokens: 1_000, outputTokens: 100 };
    const before = usageEvent({ model: 'o3', usage, timestamp: '2025-06-09T23:59:59.000Z' });
    const after = usageEvent({ model: 'o3-2025-04-16', usage, timestamp: '2025-06-10T00:00:01.000Z' });
    // A batch the gateway accepted then: timestamps are checked against receivedAt, not the consumer's clock.
    await ingest(tenant, [before, after], '2025-06-10T00:01:00.000Z');
    const recorded = await costs(tenant);
    // $10 / $40 per million until 2025-06-10, then $2 / $8.
    expect(recorded[before.id]).toMatchObject({ cost: '0.014000000000', price_entry_id: 'genai-prices:openai:o3@origin' });
    expect(recorded[after.id]).toMatchObject({ cost: '0.002800000000', price_entry_id: 'genai-prices:openai:o3@2025-06-10T00:00:00.000Z' });
  });

  it('reprices with a past-dated override what it covers, on both sides of its date', async () => {
    const tenant = newTenant();
    const change = new Date(Math.floor(Date.now() / 1000) * 1000 - 1_200_000);
    const usage = { inputTokens: 1_000_000, outputTokens: 0 };
    const before = usageEvent({ provider: 'acme', model: 'late-1', usage, timestamp: new Date(change.getTime() - 1000).toISOString() });
    const after = usageEvent({ provider: 'acme', model: 'late-1', usage, timestamp: new Date(change.getTime() + 1000).toISOString() });
    await ingest(tenant, [before, after]);
    await override(tenant, { provider: 'acme', model: 'late-1', effectiveTo: change.toISOString(), rates: { input: '3', output: '0' } });
    await override(tenant, { provider: 'acme', model: 'late-1', effectiveFrom: change.toISOString(), rates: { input: '5', output: '0' } });
    await h.until(async () => Object.values(await costs(tenant)).every((r) => r.cost_status === 'priced'), 'the repricing');
    await h.settled();
    const recorded = await costs(tenant);
    expect([recorded[before.id].cost, recorded[after.id].cost]).toEqual(['3.000000000000', '5.000000000000']);
    expect((await summary(tenant)).current.cost.amount).toBe('8.000000000000');
  });

  it('reprices a batch that was priced while an override arrived', async () => {
    const tenant = newTenant();
    const stale = await h.get(PriceBook).snapshot(trustedScope(tenant.organizationId));
    const created = await override(tenant, { provider: 'acme', model: 'race-1', rates: { input: '1', output: '0' } });
    await h.settled();
    // Priced with the prices from before the override (as a consumer whose cache was a moment old would).
    const event = usageEvent({ provider: 'acme', model: 'race-1', usage: { inputTokens: 2_000_000, outputTokens: 0 } });
    const [recorded] = usageRecordedEvents(usageBatch(tenant, [event]), stale, (userId) => pseudonymOf(Buffer.alloc(32, 7), userId));
    expect(recorded.data.records[0].cost.status).toBe('unpriced');
    await h.runtime.eventStore.appendToStream(
      ingestionStreams.usage(tenant.projectId),
      [{ ...recorded, metadata: { actor: { type: 'system', id: 'test' }, correlationId: 'race' } }],
      { expectedRevision: 'any' },
    );
    await h.until(async () => (await costs(tenant))[event.id]?.cost_status === 'priced', 'the stale batch to be repriced');
    expect((await costs(tenant))[event.id]).toMatchObject({ cost: '2.000000000000', price_entry_id: created.id });
    const ledger = await h.runtime.eventStore.readStream(ingestionStreams.usage(tenant.projectId));
    expect(ledger.map((e) => [e.type, (e.data as UsageRepricedData).reason?.kind])).toEqual([
      ['UsageRecorded', undefined],
      ['UsageRepriced', 'stale-pricing'],
    ]);
  });

  it('quotes calls that did not happen at the price in force then, the organization’s prices first, and names bad ones', async () => {
    const tenant = newTenant();
    const scope = { organizationId: tenant.organizationId };
    await override(tenant, { provider: 'acme', model: 'acme-small', rates: { input: '0.5', output: '1.5' } });
    const usage = { inputTokens: 10_000, cachedInputTokens: 4_000, outputTokens: 1_000 };
    const at = new Date().toISOString();
    const quoted = await h.request(
      ingestionSubjects.priceQuotes,
      {
        quotes: [
          { provider: 'openai', model: 'gpt-4o-mini', at, usage },
          { provider: 'acme', model: 'acme-small', at, usage: { inputTokens: 2_000, outputTokens: 100 } },
          { provider: 'acme', model: 'acme-unknown', at, usage },
        ],
      },
      scope,
    );
    // gpt-4o-mini at OpenAI's list prices: $0.15 input, $0.075 cached input, $0.60 output per million tokens.
    expect(quoted.quotes).toEqual([
      { status: 'priced', amount: '0.001800000000', priceEntryId: expect.any(String) },
      { status: 'priced', amount: '0.001150000000', priceEntryId: expect.any(String) },
      { status: 'unpriced', amount: null, priceEntryId: null },
    ]);
    // Another organization has no such price.
    const other = await h.request(
      ingestionSubjects.priceQuotes,
      { quotes: [{ provider: 'acme', model: 'acme-small', at, usage }] },
      newTenant(),
    );
    expect(other.quotes[0].status).toBe('unpriced');
    const bad = await h.reply(
      ingestionSubjects.priceQuotes,
      {
        quotes: [{ provider: '', model: 'gpt-4o-mini', at: 'yesterday', usage: { inputTokens: 1, outputTokens: 1, cachedInputTokens: 5 } }],
      },
      scope,
    );
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect((bad as { error: { errors: { field: string }[] } }).error.errors.map((e) => e.field)).toEqual([
      '/quotes/0/provider',
      '/quotes/0/at',
      '/quotes/0/usage/cachedInputTokens',
    ]);
  });

  it('gives the prices in force with their spans, and computeCost of one is the quote of the same call', async () => {
    const tenant = newTenant();
    const scope = { organizationId: tenant.organizationId };
    const cut = new Date(Date.now() + 3_600_000).toISOString();
    await override(tenant, { provider: 'acme', model: 'acme-span', rates: { input: '0.5', output: '1.5' }, effectiveTo: cut });
    await override(tenant, { provider: 'acme', model: 'acme-span', rates: { input: '0.25', output: '1' }, effectiveFrom: cut });
    const at = new Date().toISOString();
    const usage = { inputTokens: 10_000, cachedInputTokens: 4_000, outputTokens: 1_000 };
    const asked = [
      { provider: 'openai', model: 'gpt-4o-mini', at },
      { provider: 'acme', model: 'acme-span', at },
      { provider: 'acme', model: 'acme-span', at: cut },
      { provider: 'acme', model: 'acme-unknown', at },
    ];
    const { prices } = await h.request(ingestionSubjects.pricesInForce, { prices: asked }, scope);
    expect(prices.map((p) => [p.origin, p.price?.rates.input ?? null, p.validUntil === cut, p.validFrom === cut])).toEqual([
      ['catalog', '0.15', false, false],
      ['override', '0.5', true, false],
      ['override', '0.25', false, true],
      [null, null, false, false],
    ]);
    // The proxy prices a call from such a price itself: exactly what the quote (and the call's record) says.
    const { quotes } = await h.request(
      ingestionSubjects.priceQuotes,
      { quotes: asked.slice(0, 3).map((call) => ({ ...call, usage })) },
      scope,
    );
    expect(prices.slice(0, 3).map((p) => computeCost(usage, p.price as PriceEntry).amount)).toEqual(quotes.map((q) => q.amount));
    const bad = await h.reply(ingestionSubjects.pricesInForce, { prices: [{ provider: 'acme', model: '', at: 'soon' }] }, scope);
    expect((bad as { error: { errors: { field: string }[] } }).error.errors.map((e) => e.field)).toEqual([
      '/prices/0/model',
      '/prices/0/at',
    ]);
  });

  it('sums many tiny costs exactly', async () => {
    const tenant = newTenant();
    await override(tenant, { provider: 'acme', model: 'tiny-a', rates: { input: '0.15', output: '0' } });
    await override(tenant, { provider: 'acme', model: 'tiny-b', rates: { input: '1.05', output: '0' } });
    const batches = 40;
    const perBatch = 1000;
    const usage = { inputTokens: 1, outputTokens: 0 };
    await Promise.all(
      Array.from({ length: batches }, (_, b) =>
        h.publish(
          usageBatch(
            tenant,
            Array.from({ length: perBatch }, (_, i) => usageEvent({ provider: 'acme', model: (b + i) % 2 ? 'tiny-b' : 'tiny-a', usage })),
          ),
        ),
      ),
    );
    const total = batches * perBatch;
    await h.until(
      async () => (await h.count('SELECT count(*) AS n FROM ingestion.usage_records WHERE project_id = $1', [tenant.projectId])) === total,
      'every record',
      60_000,
    );
    // 20,000 × $0.00000015 + 20,000 × $0.00000105 = $0.024 exactly; a float sum would be off in the last digits.
    const { current } = await summary(tenant);
    expect(current).toMatchObject({ requests: total, cost: { amount: '0.024000000000' } });
  }, 90_000);

  it('matches tenant regexes in linear time, in the consumer and the repricer, and refuses what RE2 cannot run', async () => {
    // Forty `a`s and a `!`: a backtracking engine never finishes these patterns; RE2 answers at once.
    const tenant = newTenant();
    const rate = { input: '1', output: '1' };
    await override(tenant, { provider: 'acme', model: 'anchored', patterns: [{ kind: 'regex', value: '^(a+)+$' }], rates: rate });
    await override(tenant, { provider: 'acme', model: 'alternation', patterns: [{ kind: 'regex', value: '(a|aa)+$' }], rates: rate });
    const evil = usageEvent({ provider: 'acme', model: `${'a'.repeat(40)}!`, usage: { inputTokens: 1_000_000, outputTokens: 0 } });
    const plain = usageEvent({ provider: 'acme', model: 'aaaa', usage: { inputTokens: 1_000_000, outputTokens: 0 } });
    await ingest(tenant, [evil, plain]);
    expect((await costs(tenant))[evil.id]).toMatchObject({ cost_status: 'unpriced' });
    expect((await costs(tenant))[plain.id]).toMatchObject({ cost_status: 'priced', cost: '1.000000000000' });

    const twenty = await override(tenant, {
      provider: 'acme',
      model: 'twenty',
      patterns: [{ kind: 'regex', value: '(.*a){20}' }],
      rates: { input: '3', output: '3' },
    });
    await h.until(async () => (await costs(tenant))[evil.id].cost_status === 'priced', 'the repricing');
    expect((await costs(tenant))[evil.id]).toMatchObject({ cost: '3.000000000000', price_entry_id: twenty.id });

    const refused = await h.reply(
      ingestionSubjects.createPriceOverride,
      { provider: 'acme', model: 'backref', patterns: [{ kind: 'regex', value: '^(a+)\\1$' }], rates: rate },
      { organizationId: tenant.organizationId },
    );
    expect(refused).toEqual({
      ok: false,
      error: expect.objectContaining({
        code: 'VALIDATION_FAILED',
        errors: [{ field: '/patterns/0/value', message: expect.stringContaining('RE2') }],
      }),
    });
    // The time bound is a loaded machine's for ingest and repricing: a backtracking match would take hours, not this.
  }, 60_000);

  it('bounds the regex patterns of an organization', async () => {
    const tenant = newTenant();
    const org = { organizationId: tenant.organizationId };
    const many = Array.from({ length: 10 }, (_, i) => ({ kind: 'regex' as const, value: `^m${i}-` }));
    await override(tenant, { provider: 'acme', model: 'first', patterns: many, rates: { input: '1', output: '1' } });
    await override(tenant, { provider: 'acme', model: 'second', patterns: many, rates: { input: '1', output: '1' } });
    const third = await h.reply(
      ingestionSubjects.createPriceOverride,
      { provider: 'acme', model: 'third', patterns: [many[0]], rates: { input: '1', output: '1' } },
      org,
    );
    expect(third).toMatchObject({ ok: false, error: { code: 'PRICE_OVERRIDE_LIMIT_REACHED', errors: [{ field: '/patterns' }] } });
  });

  it('refuses an invalid or overlapping override with the field at fault', async () => {
    const tenant = newTenant();
    const org = { organizationId: tenant.organizationId };
    const bad = await h.reply(
      ingestionSubjects.createPriceOverride,
      { provider: 'acme', model: 'x', rates: { input: '-1', output: '1' } },
      org,
    );
    expect(bad).toEqual({
      ok: false,
      error: expect.objectContaining({
        code: 'VALIDATION_FAILED',
        errors: [{ field: '/rates/input', message: expect.any(String) }],
      }),
    });
    await override(tenant, { provider: 'acme', model: 'x', rates: { input: '1', output: '1' } });
    const overlapping = await h.reply(
      ingestionSubjects.createPriceOverride,
      { provider: 'acme', model: 'x', effectiveFrom: '2026-01-01T00:00:00Z', rates: { input: '2', output: '2' } },
      org,
    );
    expect(overlapping).toMatchObject({ ok: false, error: { code: 'PRICE_OVERRIDE_OVERLAPS' } });
    const missing = await h.reply(ingestionSubjects.deletePriceOverride, { overrideId: '0190a000-0000-7000-8000-000000000000' }, org);
    expect(missing).toMatchObject({ ok: false, error: { code: 'PRICE_OVERRIDE_NOT_FOUND' } });
    const list = await h.request(ingestionSubjects.listPriceOverrides, {}, org);
    expect(list.data.map((o) => o.model)).toEqual(['x']);
    expect((await h.request(ingestionSubjects.listPriceOverrides, {}, { organizationId: newTenant().organizationId })).data).toEqual([]);
  });

  it('refreshes the catalog without a deploy: new models reprice their unpriced usage, a changed price applies from then on', async () => {
    const tenant = newTenant();
    const unknown = usageEvent({ provider: 'newco', model: 'newco-1', usage: { inputTokens: 1_000_000, outputTokens: 0 } });
    const mini = usageEvent({ usage: { inputTokens: 1_000_000, outputTokens: 0 } });
    await ingest(tenant, [unknown, mini]);
    expect((await costs(tenant))[unknown.id].cost_status).toBe('unpriced');

    providers = [
      ...bundled.map((p) =>
        p.id !== 'openai'
          ? p
          : { ...p, models: p.models.map((m) => (m.id === 'gpt-4o-mini' ? { ...m, prices: { ...m.prices, input_mtok: 0.2 } } : m)) },
      ),
      {
        id: 'newco',
        name: 'NewCo',
        api_pattern: 'newco',
        models: [{ id: 'newco-1', match: { equals: 'newco-1' }, prices: { input_mtok: 4, output_mtok: 8 } }],
      } as Provider,
    ];
    try {
      const result = await h.request(ingestionSubjects.refreshPricing, { source: 'remote' });
      expect(result).toMatchObject({ opened: 2, closed: 1, withdrawn: 0 });
      expect(result.refreshId).toEqual(expect.any(String));
    } finally {
      providers = bundled;
    }
    await h.until(async () => (await costs(tenant))[unknown.id].cost_status === 'priced', 'the repricing of the new model');
    const recorded = await costs(tenant);
    expect(recorded[unknown.id]).toMatchObject({ cost: '4.000000000000', price_entry_id: 'genai-prices:newco:newco-1@origin' });
    // Recorded before the refresh: keeps the price in force at its timestamp.
    expect(recorded[mini.id]).toMatchObject({ cost: '0.150000000000', price_entry_id: 'genai-prices:openai:gpt-4o-mini@origin' });

    const later = usageEvent({ timestamp: new Date().toISOString(), usage: { inputTokens: 1_000_000, outputTokens: 0 } });
    await ingest(tenant, [later]);
    const priced = (await costs(tenant))[later.id];
    expect(priced.cost).toBe('0.200000000000');
    expect(priced.price_entry_id).toMatch(/^genai-prices:openai:gpt-4o-mini@origin@refresh:/);
    const models = await h.request(ingestionSubjects.pricingModels, { provider: 'openai', search: 'gpt-4o-mini' });
    expect(models.data.find((m) => m.model === 'gpt-4o-mini')?.rates.input).toBe('0.2');
  });
});
