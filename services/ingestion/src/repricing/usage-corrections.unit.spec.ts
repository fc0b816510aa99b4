import type { EventMetadata, RecordCostData } from '@llmlab/contracts';
import { correctionEvent } from './repricer';
import { correctionsFor, type ProjectCorrections, type RecordToReprice } from './usage-corrections';

const ORG = '0197a1c2-0000-7000-8000-000000000001';
const metadata: EventMetadata = { actor: { type: 'system', id: 'ingestion-repricer' }, correlationId: 'ev-1' };

describe('corrections', () => {
  const unpriced: RecordCostData = { status: 'unpriced', amount: null, currency: 'USD', priceEntryId: null, priceOrigin: null };
  const priced = (amount: string, priceEntryId = 'e-1'): RecordCostData => ({
    status: 'priced',
    amount,
    currency: 'USD',
    priceEntryId,
    priceOrigin: 'catalog',
  });
  const record = (eventId: string, projectId: string, cost: RecordCostData): RecordToReprice => ({
    organizationId: ORG,
    projectId,
    eventId,
    timestamp: '2026-02-01T00:00:00.000Z',
    provider: 'openai',
    model: 'm',
    usage: { inputTokens: 1, outputTokens: 1 },
    cost,
  });

  it('corrects only what would now differ, never an explicit cost, grouped by project', () => {
    const explicit: RecordCostData = {
      status: 'override',
      amount: '1.000000000000',
      currency: 'USD',
      priceEntryId: null,
      priceOrigin: null,
    };
    const groups = correctionsFor(
      [
        record('a', 'p1', unpriced),
        record('b', 'p1', priced('0.000002000000')),
        record('c', 'p2', priced('0.000001000000')),
        record('d', 'p1', explicit),
      ],
      () => priced('0.000002000000'),
    );
    expect(groups).toEqual([
      {
        organizationId: ORG,
        projectId: 'p1',
        corrections: [{ eventId: 'a', timestamp: '2026-02-01T00:00:00.000Z', previous: unpriced, current: priced('0.000002000000') }],
      },
      {
        organizationId: ORG,
        projectId: 'p2',
        corrections: [
          { eventId: 'c', timestamp: '2026-02-01T00:00:00.000Z', previous: priced('0.000001000000'), current: priced('0.000002000000') },
        ],
      },
    ]);
  });

  it('gives the same corrections the same event id, so a run done twice appends once', () => {
    const [group] = correctionsFor([record('a', 'p1', unpriced)], () => priced('0.1'));
    const reason = { kind: 'price-change' as const, pricingEventId: 'ev-1' };
    const event = (g: ProjectCorrections) => correctionEvent(g, reason, metadata);
    expect(event(group).id).toBe(event(structuredClone(group)).id);
    const [other] = correctionsFor([record('a', 'p1', unpriced)], () => priced('0.2'));
    expect(event(other).id).not.toBe(event(group).id);
    expect(event(group)).toMatchObject({ type: 'UsageRepriced', data: { organizationId: ORG, projectId: 'p1', reason } });
  });
});
