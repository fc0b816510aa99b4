import {
  type CreatePriceOverrideRequest,
  type FieldError,
  type PriceOverrideData,
  type PriceOverrideRemovedData,
  type PriceOverrideSetData,
  IngestionErrorCode,
} from '@llmlab/contracts';
import { assertUnreachable, type Decider } from '@llmlab/domain';
import { IngestionError, validationFailed } from '../ingestion.errors';
import {
  countRegexPatterns,
  createPriceCatalog,
  normalizeProvider,
  PricingError,
  PricingErrorCode,
  type PriceEntry,
} from '@llmlab/pricing';

/**
 * Bounds on one organization's prices: with `PATTERN_LIMITS` (per price) they bound the work of pricing one of
 * its events, whatever the tenant sets (docs/security.md).
 */
export const OVERRIDE_LIMITS = {
  /** Prices an organization has at once. */
  maxOverridesPerOrganization: 200,
  /** `regex` patterns across all of an organization's prices (each runs in RE2, linear in the model id). */
  maxRegexPatternsPerOrganization: 20,
} as const;

/** An organization's prices, as its stream `ingestion.pricing-overrides-<organizationId>` describes them. */
export interface OverridesState {
  /** In the order they were set, which is the order patterns are tried in. */
  readonly overrides: ReadonlyMap<string, PriceOverrideData>;
}

/**
 * `organizationId` is the tenant the request was authorized for; `eventId` is derived by the handler from the
 * override id, so a command decided again after its append appends nothing new.
 */
export type PriceOverrideCommand =
  | {
      type: 'SetPriceOverride';
      eventId: string;
      organizationId: string;
      overrideId: string;
      at: Date;
      /** `<actor type>:<actor id>` of the caller. */
      actor: string;
      request: CreatePriceOverrideRequest;
    }
  | { type: 'RemovePriceOverride'; eventId: string; organizationId: string; overrideId: string; at: Date };

export type PriceOverrideEvent =
  | { id: string; type: 'PriceOverrideSet'; data: PriceOverrideSetData }
  | { id: string; type: 'PriceOverrideRemoved'; data: PriceOverrideRemovedData };

const initialState = (): OverridesState => ({ overrides: new Map() });

/**
 * Sets or removes one organization price. A new price must be a valid catalog entry and must not apply at an
 * instant where another of the organization's prices for the same model already does (resolution would be
 * ambiguous): end the old one first, by removing it and setting its successor. A price already set under the
 * command's override id is answered with the event that set it.
 */
function decide(command: PriceOverrideCommand, state: OverridesState): PriceOverrideEvent[] {
  switch (command.type) {
    case 'SetPriceOverride': {
      const stored = state.overrides.get(command.overrideId);
      const override = stored ?? toOverride(command);
      if (!stored) checkAgainst([...state.overrides.values()], override);
      return [{ id: command.eventId, type: 'PriceOverrideSet', data: { organizationId: override.organizationId, override } }];
    }
    case 'RemovePriceOverride': {
      const override = state.overrides.get(command.overrideId);
      if (!override) {
        throw new IngestionError(IngestionErrorCode.PriceOverrideNotFound, `price override ${command.overrideId} does not exist`);
      }
      return [
        {
          id: command.eventId,
          type: 'PriceOverrideRemoved',
          data: { organizationId: command.organizationId, overrideId: command.overrideId, override, removedAt: command.at.toISOString() },
        },
      ];
    }
    default:
      return assertUnreachable(command);
  }
}

function evolve(state: OverridesState, event: PriceOverrideEvent): OverridesState {
  const overrides = new Map(state.overrides);
  switch (event.type) {
    case 'PriceOverrideSet':
      overrides.set(event.data.override.id, event.data.override);
      break;
    case 'PriceOverrideRemoved':
      overrides.delete(event.data.overrideId);
      break;
    default:
      return assertUnreachable(event);
  }
  return { overrides };
}

/** An organization's prices: `PriceOverrideSet` and `PriceOverrideRemoved` on its own stream. */
export const priceOverrideDecider: Decider<PriceOverrideCommand, PriceOverrideEvent, OverridesState> = { decide, evolve, initialState };

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
    organizationId: command.organizationId,
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

/**
 * The pricing engine validates the entry; its field paths (`entries/3/rates/input`) become request pointers. The
 * new price alone is held to every rule (RE2 syntax, pattern limits); with the stored ones, only overlaps are
 * checked, so that a price stored before a rule existed does not block the next.
 */
function checkAgainst(existing: readonly PriceEntry[], override: PriceOverrideData): void {
  if (existing.length >= OVERRIDE_LIMITS.maxOverridesPerOrganization) {
    throw new IngestionError(
      IngestionErrorCode.PriceOverrideLimitReached,
      `an organization has at most ${OVERRIDE_LIMITS.maxOverridesPerOrganization} prices: remove one first`,
    );
  }
  const regexes = existing.reduce((n, e) => n + countRegexPatterns(e.patterns ?? []), 0) + countRegexPatterns(override.patterns ?? []);
  if (regexes > OVERRIDE_LIMITS.maxRegexPatternsPerOrganization) {
    throw new IngestionError(
      IngestionErrorCode.PriceOverrideLimitReached,
      `an organization has at most ${OVERRIDE_LIMITS.maxRegexPatternsPerOrganization} regex patterns across its prices: remove one first`,
      [{ field: '/patterns', message: `${regexes} regex patterns in all, at most ${OVERRIDE_LIMITS.maxRegexPatternsPerOrganization}` }],
    );
  }
  try {
    createPriceCatalog([override]);
    createPriceCatalog([...existing, override], { unsupportedRegex: 'never-match' });
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
