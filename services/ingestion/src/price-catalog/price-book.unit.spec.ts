import { ingestionStreams, type PriceOverrideData, type RecordedEvent } from '@llmlab/contracts';
import { trustedScope } from '@llmlab/domain';
import type { EventStore, ReadStreamOptions } from '@llmlab/event-store';
import { PriceBook } from './price-book';

const ORG = '0197a1c2-0000-7000-8000-000000000001';

const override = (id: string, model: string): PriceOverrideData => ({
  id,
  organizationId: ORG,
  provider: 'openai',
  model,
  effectiveFrom: null,
  effectiveTo: null,
  currency: 'USD',
  rates: { input: '2', output: '8' },
  createdAt: '2025-06-01T12:00:00.000Z',
  createdBy: 'user:u-1',
});

/** Streams held in memory: all the price book asks of the store is to read them. */
function storeOf(streams: Record<string, { type: string; data: unknown }[]>): EventStore {
  const recorded = (stream: string): RecordedEvent[] =>
    (streams[stream] ?? []).map((e, revision) => ({
      id: `${stream}/${revision}`,
      version: 1,
      metadata: { actor: { type: 'system', id: 'test' }, correlationId: 'test' },
      streamId: stream,
      revision,
      position: revision + 1,
      recordedAt: '2025-06-01T12:00:00.000Z',
      ...e,
    }));
  return {
    readStream: async (stream: string, options: ReadStreamOptions = {}) => {
      const events = recorded(stream);
      return options.direction === 'backwards'
        ? events.reverse().slice(0, options.maxCount)
        : events.filter((e) => e.revision >= (options.fromRevision ?? 0));
    },
  } as EventStore;
}

describe('price book', () => {
  it("folds an organization's prices with the decider and reports the revision of its stream", async () => {
    const streams = {
      [ingestionStreams.priceOverrides(ORG)]: [
        { type: 'PriceOverrideSet', data: { organizationId: ORG, override: override('o-1', 'gpt-x') } },
        { type: 'PriceOverrideSet', data: { organizationId: ORG, override: override('o-2', 'gpt-y') } },
        {
          type: 'PriceOverrideRemoved',
          data: { organizationId: ORG, overrideId: 'o-1', override: override('o-1', 'gpt-x'), removedAt: '2025-06-02T00:00:00.000Z' },
        },
      ],
    };
    const book = new PriceBook(storeOf(streams), { overridesTtlMs: 60_000 });
    const scope = trustedScope(ORG);
    expect([...(await book.overridesState(scope)).overrides.keys()]).toEqual(['o-2']);
    const snapshot = await book.snapshot(scope);
    expect([snapshot.overridesRevision, snapshot.catalogRevision]).toEqual([2, -1]);
    expect((await book.snapshot(trustedScope('0197a1c2-0000-7000-8000-000000000009'))).overridesRevision).toBe(-1);
  });

  it('reads the catalog events appended since its last read, and knows when another replica appended more', async () => {
    const refreshed = (opened: string[]) => ({
      type: 'PriceCatalogRefreshed',
      data: {
        refreshId: 'r',
        part: 0,
        parts: 1,
        refreshedAt: '2025-06-01T00:00:00.000Z',
        source: { kind: 'bundled' },
        contentHash: opened.join(),
        providerFallbacks: {},
        order: opened,
        opened: opened.map((model) => ({ ...override(model, model), id: model, sourceId: model })),
        closed: [],
        withdrawn: [],
      },
    });
    const catalog: { type: string; data: unknown }[] = [refreshed(['gpt-x'])];
    const book = new PriceBook(storeOf({ [ingestionStreams.priceCatalog]: catalog }), { overridesTtlMs: 60_000 });
    await book.refreshCatalog();
    expect(book.catalogRevision).toBe(0);
    catalog.push(refreshed(['gpt-y']));
    expect(await book.catalogChanged()).toBe(true);
    await book.refreshCatalog();
    expect([book.catalogRevision, await book.catalogChanged()]).toEqual([1, false]);
  });
});
