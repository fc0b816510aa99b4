import { RecommendationErrorCode, type ModelEquivalenceEvent } from '@llmlab/contracts';
import { assertUnreachable, type Decider } from '@llmlab/domain';
import { modelEquivalence, PricingError } from '@llmlab/pricing';
import { RecommendationError } from '../recommendations/recommendation.errors';

export type ModelEquivalenceCommand = {
  type: 'SetModelEquivalence';
  data: { organizationId: string; overrides: unknown; actorId: string; at: string };
};

export interface ModelEquivalenceState {
  overrides: Readonly<Record<string, readonly string[]>>;
}

const initialState = (): ModelEquivalenceState => ({ overrides: {} });

function decide(command: ModelEquivalenceCommand, state: ModelEquivalenceState): ModelEquivalenceEvent[] {
  switch (command.type) {
    case 'SetModelEquivalence': {
      const { organizationId, overrides, actorId, at } = command.data;
      if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
        throw invalid('/overrides', 'must be an object of "provider/model": ["provider/model", …]');
      }
      try {
        modelEquivalence(overrides as Record<string, readonly string[]>);
      } catch (err) {
        if (err instanceof PricingError) throw invalid(`/overrides${err.field}`, err.message.slice(err.field.length + 2));
        throw err;
      }
      if (JSON.stringify(overrides) === JSON.stringify(state.overrides)) return [];
      return [
        {
          type: 'ModelEquivalenceChanged',
          data: { organizationId, overrides: overrides as Record<string, readonly string[]>, changedBy: actorId, changedAt: at },
        },
      ];
    }
    default:
      return assertUnreachable(command.type);
  }
}

function invalid(field: string, message: string): RecommendationError {
  return new RecommendationError(RecommendationErrorCode.Invalid, `${field}: ${message}`, [{ field, message }]);
}

function evolve(_state: ModelEquivalenceState, event: ModelEquivalenceEvent): ModelEquivalenceState {
  switch (event.type) {
    case 'ModelEquivalenceChanged':
      return { overrides: event.data.overrides };
    default:
      return assertUnreachable(event.type);
  }
}

export const modelEquivalenceDecider: Decider<ModelEquivalenceCommand, ModelEquivalenceEvent, ModelEquivalenceState> = {
  decide,
  evolve,
  initialState,
};
