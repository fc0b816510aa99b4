import type { Decider, DomainEvent } from '@llmlab/domain';

/**
 * Emmett-style decider tests: `spec.given([events]).when(command).then([events])`, `.thenNothing()`, or
 * `.thenThrows({ code, errors })`. The state is folded from the given events with the decider's own evolve.
 */
export function deciderSpec<C, E extends DomainEvent, S>(decider: Decider<C, E, S>) {
  return {
    given(events: E[]) {
      const state = events.reduce(decider.evolve, decider.initialState());
      return {
        when(command: C) {
          const run = () => decider.decide(command, state);
          return {
            then(expected: E[]) {
              expect(run()).toEqual(expected);
            },
            thenNothing() {
              expect(run()).toEqual([]);
            },
            thenThrows(error: { code: string; errors?: unknown }) {
              let thrown: unknown;
              try {
                run();
              } catch (err) {
                thrown = err;
              }
              expect(thrown).toMatchObject(error);
            },
          };
        },
      };
    },
  };
}
