import type { EventMetadata, RecordedEvent } from '@llmlab/contracts';
import { WrongExpectedRevisionError, type EventStore } from '@llmlab/event-store';
import type { Decider, DomainEvent } from '@llmlab/domain';

const ATTEMPTS = 4;

export interface CommandResult<TState, TEvent> {
  /** The state after the new events. */
  state: TState;
  events: TEvent[];
  /** Revision of the stream after the command (-1: the stream does not exist). */
  revision: number;
  /** Global position of the last event appended; undefined when the command changed nothing. */
  position?: number;
}

export interface RunOptions {
  metadata: EventMetadata;
  /** From If-Match: the command applies only at this revision, and is not retried on a conflict. */
  expectedRevision?: number;
}

/**
 * The write path of every command: read the stream, fold it, decide, append at the revision that was read.
 * Another writer in between makes the append fail; the command is then decided again on the fresh state, a
 * few times, unless the caller pinned the revision.
 */
export class CommandRunner {
  constructor(private readonly store: EventStore) {}

  async load<TCommand, TEvent extends DomainEvent, TState>(
    stream: string,
    decider: Decider<TCommand, TEvent, TState>,
  ): Promise<{ state: TState; revision: number }> {
    const recorded = (await this.store.readStream(stream)) as RecordedEvent[];
    const state = recorded.reduce((s, e) => decider.evolve(s, { type: e.type, data: e.data } as TEvent), decider.initialState());
    return { state, revision: recorded.length ? recorded[recorded.length - 1].revision : -1 };
  }

  /**
   * `known`: the state and revision the caller already holds (from `load` or its previous command's result), so
   * that a writer issuing many commands to one long stream does not read and fold it again for each; decided on
   * first, and dropped for a fresh load if another writer appended in between.
   */
  async run<TCommand, TEvent extends DomainEvent, TState>(
    stream: string,
    decider: Decider<TCommand, TEvent, TState>,
    command: TCommand,
    options: RunOptions,
    known?: { state: TState; revision: number },
  ): Promise<CommandResult<TState, TEvent>> {
    for (let attempt = 1; ; attempt++) {
      const { state, revision } = attempt === 1 && known ? known : await this.load(stream, decider);
      if (options.expectedRevision !== undefined && options.expectedRevision !== revision) {
        throw new WrongExpectedRevisionError(stream, options.expectedRevision, revision < 0 ? 'no_stream' : revision);
      }
      const events = decider.decide(command, state);
      if (events.length === 0) return { state, events, revision };
      try {
        const appended = await this.store.appendToStream(
          stream,
          events.map((e) => ({ ...(e.id === undefined ? {} : { id: e.id }), type: e.type, data: e.data, metadata: options.metadata })),
          { expectedRevision: revision < 0 ? 'no_stream' : revision },
        );
        return {
          state: events.reduce(decider.evolve, state),
          events,
          revision: appended.nextExpectedRevision,
          position: appended.lastPosition,
        };
      } catch (err) {
        if (!(err instanceof WrongExpectedRevisionError) || options.expectedRevision !== undefined || attempt >= ATTEMPTS) throw err;
      }
    }
  }
}
