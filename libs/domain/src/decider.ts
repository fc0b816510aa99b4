/**
 * An event as a decider emits it: the handler adds metadata when it appends. An `id`, when the decider gives one,
 * comes from its command (derived from what the event stands for), so that deciding the same command again appends
 * an event the store recognises as already written; without one the store assigns a fresh id.
 */
export interface DomainEvent<TType extends string = string, TData = unknown> {
  id?: string;
  type: TType;
  data: TData;
}

/**
 * An aggregate as three pure functions (Emmett): `decide` turns a command and the current state into new events
 * (or throws a coded error), `evolve` folds an event into the state. Time and ids come in the command.
 */
export interface Decider<TCommand, TEvent extends DomainEvent, TState> {
  decide(command: TCommand, state: TState): TEvent[];
  evolve(state: TState, event: TEvent): TState;
  initialState(): TState;
}

export function assertUnreachable(value: never): never {
  throw new Error(`unhandled case ${JSON.stringify(value)}`);
}
