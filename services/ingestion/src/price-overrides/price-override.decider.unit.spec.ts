import { type CreatePriceOverrideRequest, type PriceOverrideData, IngestionErrorCode } from '@llmlab/contracts';
import { derivedEventId } from '../decided-event';
import {
  decidePriceOverride,
  evolveOverrides,
  initialOverridesState,
  type PriceOverrideCommand,
  type PriceOverrideEvent,
} from './price-override.decider';

const ORG = '0197a1c2-0000-7000-8000-000000000001';
const at = new Date('2025-06-01T12:00:00.000Z');

const request = (overrides: Partial<CreatePriceOverrideRequest> = {}): CreatePriceOverrideRequest => ({
  organizationId: ORG,
  provider: 'OpenAI',
  model: 'gpt-4o',
  rates: { input: '2', output: '8' },
  ...overrides,
});

const set = (overrideId: string, overrides: Partial<CreatePriceOverrideRequest> = {}): PriceOverrideCommand => ({
  type: 'SetPriceOverride',
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

/** Emmett-style: the stream so far, a command, and the events it must yield or the error it must raise. */
function given(...history: PriceOverrideEvent[]) {
  const state = history.reduce((s, e, revision) => evolveOverrides(s, { ...e, revision }), initialOverridesState);
  return {
    when: (command: PriceOverrideCommand) => ({
      then: (expected: PriceOverrideEvent[]) => expect(decidePriceOverride(command, state)).toEqual(expected),
      thenThrows: (code: IngestionErrorCode, errors?: { field: string; message: unknown }[]) =>
        expect(() => decidePriceOverride(command, state)).toThrow(expect.objectContaining({ code, ...(errors ? { errors } : {}) })),
    }),
  };
}

describe('price override decider', () => {
  it('sets a price under the normalized provider id', () => {
    given()
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
    given()
      .when(set('o-1', full))
      .then([overrideSet(stored('o-1', full))]);
  });

  it('sets prices of one model for periods that follow each other', () => {
    given(overrideSet(stored('o-1', { effectiveTo: '2025-06-01T00:00:00.000Z' })))
      .when(set('o-2', { effectiveFrom: '2025-06-01T00:00:00.000Z' }))
      .then([overrideSet(stored('o-2', { effectiveFrom: '2025-06-01T00:00:00.000Z' }))]);
  });

  it('refuses a price in force at the same instant as another for the model', () => {
    given(overrideSet(stored('o-1')))
      .when(set('o-2', { effectiveFrom: '2025-06-01T00:00:00Z' }))
      .thenThrows(IngestionErrorCode.PriceOverrideOverlaps);
  });

  it('names the field of an invalid price as a request pointer', () => {
    given()
      .when(set('o-1', { rates: { input: '1e-3', output: '1' } }))
      .thenThrows(IngestionErrorCode.ValidationFailed, [{ field: '/rates/input', message: expect.stringMatching(/decimal string/) }]);
    given()
      .when(set('o-1', { effectiveFrom: 'yesterday' }))
      .thenThrows(IngestionErrorCode.ValidationFailed, [{ field: '/effectiveFrom', message: expect.any(String) }]);
    given()
      .when(set('o-1', { currency: 'EUR' as 'USD' }))
      .thenThrows(IngestionErrorCode.ValidationFailed, [{ field: '/currency', message: expect.any(String) }]);
  });

  it('answers a retried command with the event already recorded', () => {
    given(overrideSet(stored('o-1')))
      .when(set('o-1', { rates: { input: '9', output: '9' } }))
      .then([overrideSet(stored('o-1'))]);
  });

  it('removes a price, keeping what it was in the event', () => {
    const removedAt = new Date('2025-07-01T00:00:00.000Z');
    given(overrideSet(stored('o-1')))
      .when({ type: 'RemovePriceOverride', organizationId: ORG, overrideId: 'o-1', at: removedAt })
      .then([
        {
          id: derivedEventId('o-1', 'PriceOverrideRemoved'),
          type: 'PriceOverrideRemoved',
          data: { organizationId: ORG, overrideId: 'o-1', override: stored('o-1'), removedAt: removedAt.toISOString() },
        },
      ]);
  });

  it('refuses to remove a price that does not exist', () => {
    given()
      .when({ type: 'RemovePriceOverride', organizationId: ORG, overrideId: 'o-9', at })
      .thenThrows(IngestionErrorCode.PriceOverrideNotFound);
  });

  it('evolves: set adds, removed drops, the revision follows the stream', () => {
    const state = [overrideSet(stored('o-1')), overrideSet(stored('o-2', { model: 'gpt-4.1' }))].reduce(
      (s, e, revision) => evolveOverrides(s, { ...e, revision }),
      initialOverridesState,
    );
    const after = evolveOverrides(state, {
      id: 'x',
      type: 'PriceOverrideRemoved',
      data: { organizationId: ORG, overrideId: 'o-1', override: stored('o-1'), removedAt: at.toISOString() },
      revision: 2,
    });
    expect([...after.overrides.keys()]).toEqual(['o-2']);
    expect(after.revision).toBe(2);
  });
});
