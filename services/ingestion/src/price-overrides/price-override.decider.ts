import {
  type CreatePriceOverrideRequest,
  type FieldError,
  type PriceOverrideData,
  type PriceOverrideRemovedData,
  type PriceOverrideSetData,
  IngestionErrorCode,
} from '@llmlab/contracts';
import { derivedEventId, type DecidedEvent } from '../decided-event';
import { IngestionError, validationFailed } from '../ingestion.errors';
import { createPriceCatalog, normalizeProvider, PricingError, PricingErrorCode, type PriceEntry } from '../pricing';

/** An organization's prices, as its stream `ingestion.pricing-overrides-<organizationId>` describes them. */
export interface OverridesState {
  /** Revision of the stream; -1 when the organization never set a price. */
  readonly revision: number;
  /** In the order they were set, which is the order patterns are tried in. */
  readonly overrides: ReadonlyMap<string, PriceOverrideData>;
}

export const initialOverridesState: OverridesState = { revision: -1, overrides: new Map() };

export type PriceOverrideCommand =
  | {
      type: 'SetPriceOverride';
      overrideId: string;
      at: Date;
      /** `<actor type>:<actor id>` of the caller. */
      actor: string;
      request: CreatePriceOverrideRequest;
    }
  | { type: 'RemovePriceOverride'; organizationId: string; overrideId: string; at: Date };

export type PriceOverrideEvent =
  DecidedEvent<'PriceOverrideSet', PriceOverrideSetData> | DecidedEvent<'PriceOverrideRemoved', PriceOverrideRemovedData>;

/**
 * Sets or removes one organization price. A new price must be a valid catalog entry and must not apply at an
 * instant where another of the organization's prices for the same model already does (resolution would be
 * ambiguous): end the old one first, by removing it and setting its successor. Event ids derive from the
 * override id, so a command retried after a lost reply appends nothing new.
 */
export function decidePriceOverride(command: PriceOverrideCommand, state: OverridesState): PriceOverrideEvent[] {
  switch (command.type) {
    case 'SetPriceOverride': {
      const stored = state.overrides.get(command.overrideId);
      const override = stored ?? toOverride(command);
      if (!stored) checkAgainst([...state.overrides.values()], override);
      const id = derivedEventId(override.id, 'PriceOverrideSet');
      return [{ id, type: 'PriceOverrideSet', data: { organizationId: override.organizationId, override } }];
    }
    case 'RemovePriceOverride': {
      const override = state.overrides.get(command.overrideId);
      if (!override) {
        throw new IngestionError(IngestionErrorCode.PriceOverrideNotFound, `price override ${command.overrideId} does not exist`);
      }
      return [
        {
          id: derivedEventId(command.overrideId, 'PriceOverrideRemoved'),
          type: 'PriceOverrideRemoved',
          data: { organizationId: command.organizationId, overrideId: command.overrideId, override, removedAt: command.at.toISOString() },
        },
      ];
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

export function evolveOverrides(state: OverridesState, event: PriceOverrideEvent & { revision: number }): OverridesState {
  const overrides = new Map(state.overrides);
  switch (event.type) {
    case 'PriceOverrideSet':
      overrides.set(event.data.override.id, event.data.override);
      break;
    case 'PriceOverrideRemoved':
      overrides.delete(event.data.overrideId);
      break;
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
  return { revision: event.revision, overrides };
}

function toOverride(command: Extract<PriceOverrideCommand, { type: 'SetPriceOverride' }>): PriceOverrideData {
  const r = command.request;
  if (r.currency !== undefined && r.currency !== 'USD') {
    throw validationFailed([{ field: '/currency', message: 'must be USD: prices are accounted in US dollars' }]);
  }
  if (typeof r.provider !== 'string' || r.provider.trim() === '') {
    throw validationFailed([{ field: '/provider', message: 'must be a non-empty string' }]);
  }
  return {
    id: command.overrideId,
    organizationId: r.organizationId,
    provider: normalizeProvider(r.provider),
    model: r.model,
    ...(r.aliases?.length ? { aliases: r.aliases } : {}),
    ...(r.patterns?.length ? { patterns: r.patterns } : {}),
    effectiveFrom: r.effectiveFrom ?? null,
    effectiveTo: r.effectiveTo ?? null,
    ...(r.timeOfDay ? { timeOfDay: r.timeOfDay } : {}),
    currency: 'USD',
    rates: r.rates,
    ...(r.tiers?.length ? { tiers: r.tiers } : {}),
    createdAt: command.at.toISOString(),
    createdBy: command.actor,
  };
}

/** The pricing engine validates the entry; its field paths (`entries/3/rates/input`) become request pointers. */
function checkAgainst(existing: readonly PriceEntry[], override: PriceOverrideData): void {
  try {
    createPriceCatalog([...existing, override]);
  } catch (err) {
    if (!(err instanceof PricingError)) throw err;
    if (err.code === PricingErrorCode.OverlappingPriceEntries) {
      throw new IngestionError(
        IngestionErrorCode.PriceOverrideOverlaps,
        `the organization already has a price for ${override.provider} ${override.model} in force during this period ` +
          `(${err.message.replace(/^entries\/\d+: /, '')}); remove it first`,
      );
    }
    const field = `/${err.field.replace(/^entries\/\d+\/?/, '')}`;
    const fieldError: FieldError = { field, message: err.message.slice(err.field.length + 2) };
    throw validationFailed([fieldError]);
  }
}
