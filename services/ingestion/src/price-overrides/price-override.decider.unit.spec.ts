import { type CreatePriceOverrideRequest, type PriceOverrideData, IngestionErrorCode } from '@llmlab/contracts';
import { deciderSpec } from '@llmlab/testing';
import { derivedEventId } from '../derived-event-id';
import { priceOverrideDecider, type PriceOverrideCommand, type PriceOverrideEvent } from './price-override.decider';

const spec = deciderSpec(priceOverrideDecider);

const ORG = '0197a1c2-0000-7000-8000-000000000001';
const at = new Date('2025-06-01T12:00:00.000Z');

const request = (overrides: Partial<CreatePriceOverrideRequest> = {}): CreatePriceOverrideRequest => ({
  provider: 'OpenAI',
  model: 'gpt-4o',
  rates: { input: '2', output: '8' },
  ...overrides,
});

/** As the handler makes it: the tenant from the request's context, the event id derived from the override id. */
const set = (overrideId: string, overrides: Partial<CreatePriceOverrideRequest> = {}): PriceOverrideCommand => ({
  type: 'SetPriceOverride',
  eventId: derivedEventId(overrideId, 'PriceOverrideSet'),
  organizationId: ORG,
  overrideId,
  at,
  actor: 'user:u-1',
  request: request(overrides),
});

const stored = (id: string, overrides: Partial<PriceOverrideData> = {}): PriceOverrideData => ({
  id,
  organizationId: ORG,
  provider: 'openai',
  model: 'gpt-4o',
  effectiveFrom: null,
  effectiveTo: null,
  currency: 'USD',
  rates: { input: '2', output: '8' },
  createdAt: at.toISOString(),
  createdBy: 'user:u-1',
  ...overrides,
});

const overrideSet = (override: PriceOverrideData): PriceOverrideEvent => ({
  id: derivedEventId(override.id, 'PriceOverrideSet'),
  type: 'PriceOverrideSet',
  data: { organizationId: ORG, override },
});

const remove = (overrideId: string, removedAt = at): PriceOverrideCommand => ({
  type: 'RemovePriceOverride',
  eventId: derivedEventId(overrideId, 'PriceOverrideRemoved'),
  organizationId: ORG,
  overrideId,
  at: removedAt,
});

describe('price override decider', () => {
  it('sets a price under the normalized provider id', () => {
    spec
      .given([])
      .when(set('o-1'))
      .then([overrideSet(stored('o-1'))]);
  });

  it('keeps patterns, aliases, period, window and tiers', () => {
    const full = {
      aliases: ['gpt-4o-2024-08-06'],
      patterns: [{ kind: 'prefix' as const, value: 'gpt-4o-' }],
      effectiveFrom: '2025-01-01T00:00:00.000Z',
      effectiveTo: '2026-01-01T00:00:00.000Z',
      timeOfDay: { from: '22:00:00', to: '06:00:00' },
      tiers: [{ aboveInputTokens: 200_000, rates: { input: '4', output: '16' } }],
    };
    spec
      .given([])
      .when(set('o-1', full))
      .then([overrideSet(stored('o-1', full))]);
  });

  it('sets prices of one model for periods that follow each other', () => {
    spec
      .given([overrideSet(stored('o-1', { effectiveTo: '2025-06-01T00:00:00.000Z' }))])
      .when(set('o-2', { effectiveFrom: '2025-06-01T00:00:00.000Z' }))
      .then([overrideSet(stored('o-2', { effectiveFrom: '2025-06-01T00:00:00.000Z' }))]);
  });

  it('refuses a price in force at the same instant as another for the model', () => {
    spec
      .given([overrideSet(stored('o-1'))])
      .when(set('o-2', { effectiveFrom: '2025-06-01T00:00:00Z' }))
      .thenThrows({ code: IngestionErrorCode.PriceOverrideOverlaps });
  });

  it('names the field of an invalid price as a request pointer', () => {
    spec
      .given([])
      .when(set('o-1', { rates: { input: '1e-3', output: '1' } }))
      .thenThrows({
        code: IngestionErrorCode.ValidationFailed,
        errors: [{ field: '/rates/input', message: expect.stringMatching(/decimal string/) }],
      });
    spec
      .given([])
      .when(set('o-1', { effectiveFrom: 'yesterday' }))
      .thenThrows({ code: IngestionErrorCode.ValidationFailed, errors: [{ field: '/effectiveFrom', message: expect.any(String) }] });
    spec
      .given([])
      .when(set('o-1', { currency: 'EUR' as 'USD' }))
      .thenThrows({ code: IngestionErrorCode.ValidationFailed, errors: [{ field: '/currency', message: expect.any(String) }] });
  });

  it('answers a retried command with the event already recorded', () => {
    spec
      .given([overrideSet(stored('o-1'))])
      .when(set('o-1', { rates: { input: '9', output: '9' } }))
      .then([overrideSet(stored('o-1'))]);
  });

  it('removes a price, keeping what it was in the event', () => {
    const removedAt = new Date('2025-07-01T00:00:00.000Z');
    spec
      .given([overrideSet(stored('o-1'))])
      .when(remove('o-1', removedAt))
      .then([
        {
          id: derivedEventId('o-1', 'PriceOverrideRemoved'),
          type: 'PriceOverrideRemoved',
          data: { organizationId: ORG, overrideId: 'o-1', override: stored('o-1'), removedAt: removedAt.toISOString() },
        },
      ]);
  });

  it('refuses to remove a price that does not exist', () => {
    spec.given([]).when(remove('o-9')).thenThrows({ code: IngestionErrorCode.PriceOverrideNotFound });
  });

  it('evolves: set adds, removed drops', () => {
    const state = [
      overrideSet(stored('o-1')),
      overrideSet(stored('o-2', { model: 'gpt-4.1' })),
      {
        id: 'x',
        type: 'PriceOverrideRemoved' as const,
        data: { organizationId: ORG, overrideId: 'o-1', override: stored('o-1'), removedAt: at.toISOString() },
      },
    ].reduce(priceOverrideDecider.evolve, priceOverrideDecider.initialState());
    expect([...state.overrides.keys()]).toEqual(['o-2']);
  });
});
