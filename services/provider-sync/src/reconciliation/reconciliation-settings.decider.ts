import { DEFAULT_RECONCILIATION_TOLERANCE, type ReconciliationSettingsEvent, type ReconciliationTolerance } from '@llmlab/contracts';
import { assertUnreachable, FieldErrors, Money, type Decider } from '@llmlab/domain';
import { invalidReconciliationSettings } from './reconciliation.errors';

export type ReconciliationSettingsCommand = {
  type: 'UpdateReconciliationSettings';
  data: { organizationId: string; actorId: string; at: string; tolerance: unknown };
};

export interface ReconciliationSettingsState {
  tolerance: ReconciliationTolerance;
  updatedAt: string | null;
}

const initialState = (): ReconciliationSettingsState => ({ tolerance: DEFAULT_RECONCILIATION_TOLERANCE, updatedAt: null });

const DECIMAL = /^\d{1,16}(\.\d{1,12})?$/;
/** The bounds of each tolerance: a percent of the bill, and USD. */
const BOUNDS: Record<keyof ReconciliationTolerance, string> = { percent: '100', amount: '1000000' };

function decide(command: ReconciliationSettingsCommand, state: ReconciliationSettingsState): ReconciliationSettingsEvent[] {
  switch (command.type) {
    case 'UpdateReconciliationSettings': {
      const { organizationId, actorId, at, tolerance: patch } = command.data;
      const errors = new FieldErrors();
      const tolerance = { ...state.tolerance };
      if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) errors.add('/tolerance', 'must be an object');
      else {
        for (const [field, value] of Object.entries(patch)) {
          if (!(field in BOUNDS)) {
            errors.add(`/tolerance/${field}`, 'is not a setting of the tolerance');
            continue;
          }
          const key = field as keyof ReconciliationTolerance;
          if (typeof value !== 'string' || !DECIMAL.test(value) || new Money(value).gt(BOUNDS[key])) {
            errors.add(`/tolerance/${field}`, `must be a decimal string from 0 to ${BOUNDS[key]}`);
          } else tolerance[key] = value;
        }
      }
      if (!errors.empty) throw invalidReconciliationSettings(errors.errors);
      if (tolerance.percent === state.tolerance.percent && tolerance.amount === state.tolerance.amount) return [];
      return [{ type: 'ReconciliationSettingsUpdated', data: { organizationId, tolerance, updatedBy: actorId, updatedAt: at } }];
    }
    default:
      return assertUnreachable(command.type);
  }
}

function evolve(_state: ReconciliationSettingsState, event: ReconciliationSettingsEvent): ReconciliationSettingsState {
  switch (event.type) {
    case 'ReconciliationSettingsUpdated':
      return { tolerance: event.data.tolerance, updatedAt: event.data.updatedAt };
    default:
      return assertUnreachable(event.type);
  }
}

/** An organization's reconciliation tolerance: when a day's billed and recorded spend count as matched. */
export const reconciliationSettingsDecider: Decider<
  ReconciliationSettingsCommand,
  ReconciliationSettingsEvent,
  ReconciliationSettingsState
> = {
  decide,
  evolve,
  initialState,
};
