import type { MoneyAmount, ReconciliationDirection, ReconciliationEvent } from '@llmlab/contracts';
import { assertUnreachable, Money, toMoneyString, type Decider } from '@llmlab/domain';

/** One complete, covered UTC day of one provider outside the tolerance, as the reconciliation found it. */
export interface DayDiscrepancy {
  provider: string;
  day: string;
  direction: ReconciliationDirection;
  recorded: MoneyAmount;
  billed: MoneyAmount;
}

export type DiscrepancyCommand = {
  type: 'ReportDiscrepancies';
  data: { organizationId: string; discrepancies: DayDiscrepancy[]; at: string };
};

/** What was last reported per provider and day: `<provider>/<day>` → direction, billed and recorded. */
export interface DiscrepancyState {
  reported: ReadonlyMap<string, string>;
}

const initialState = (): DiscrepancyState => ({ reported: new Map() });

const keyOf = (d: { provider: string; day: string }) => `${d.provider}/${d.day}`;
/** Figures compared by value: `41.25` and `41.250000000000` are the same amount. */
const figuresOf = (d: { direction: string; billed: MoneyAmount; recorded: MoneyAmount }) =>
  `${d.direction} ${toMoneyString(new Money(d.billed.amount))} ${toMoneyString(new Money(d.recorded.amount))}`;

/**
 * After each sync's reconciliation: a discrepancy is appended for a provider and day when its figures differ from
 * the last ones reported for that day, so a re-sync that finds the same figures appends nothing, and a day whose
 * bill grew (late data) is reported again for the alerts service to judge.
 */
function decide(command: DiscrepancyCommand, state: DiscrepancyState): ReconciliationEvent[] {
  switch (command.type) {
    case 'ReportDiscrepancies': {
      const { organizationId, at } = command.data;
      const seen = new Set<string>();
      const events: ReconciliationEvent[] = [];
      for (const d of command.data.discrepancies) {
        const key = keyOf(d);
        if (seen.has(key) || state.reported.get(key) === figuresOf(d)) continue;
        seen.add(key);
        const difference = new Money(d.billed.amount).minus(d.recorded.amount).abs();
        events.push({
          type: 'ReconciliationDiscrepancyDetected',
          data: {
            organizationId,
            provider: d.provider,
            day: d.day,
            direction: d.direction,
            recorded: d.recorded,
            billed: d.billed,
            difference: { amount: toMoneyString(difference), currency: 'USD' },
            detectedAt: at,
          },
        });
      }
      return events;
    }
    default:
      return assertUnreachable(command.type);
  }
}

function evolve(state: DiscrepancyState, event: ReconciliationEvent): DiscrepancyState {
  switch (event.type) {
    case 'ReconciliationDiscrepancyDetected': {
      const reported = new Map(state.reported);
      reported.set(keyOf(event.data), figuresOf(event.data));
      return { reported };
    }
    default:
      return assertUnreachable(event.type);
  }
}

export const discrepancyDecider: Decider<DiscrepancyCommand, ReconciliationEvent, DiscrepancyState> = { decide, evolve, initialState };
