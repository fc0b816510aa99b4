import type { LLMLabError } from '../errors';
import type { EventSink } from '../event-sink';
import type { UsageEventInput } from '../usage-event';
import { instrumentClient } from './instrument';

/** Shaped like an openai client, with a `create` the test controls. */
function fakeOpenAI(create: (...args: unknown[]) => unknown) {
  return { chat: { completions: { create } } };
}

describe('instrumentClient, when things are not as expected', () => {
  let submitted: UsageEventInput[];
  let reported: LLMLabError[];
  let sink: EventSink;

  beforeEach(() => {
    submitted = [];
    reported = [];
    sink = { submit: (input) => submitted.push(input), report: (error) => reported.push(error) };
  });

  it('returns a result that is not an APIPromise untouched, and says it could not record it', () => {
    const result = { not: 'an APIPromise' };
    const client = instrumentClient(
      fakeOpenAI(() => result),
      sink,
    );
    expect(client.chat.completions.create({ model: 'gpt-4o' })).toBe(result);
    expect(reported.map((e) => e.code)).toEqual(['instrumentation']);
  });

  it('returns the original promise when observing it fails', () => {
    const result = {
      asResponse: () => Promise.resolve(),
      _thenUnwrap: () => {
        throw new Error('changed internals');
      },
    };
    const client = instrumentClient(
      fakeOpenAI(() => result),
      sink,
    );
    expect(client.chat.completions.create({ model: 'gpt-4o' })).toBe(result);
    expect(reported.map((e) => e.code)).toEqual(['instrumentation']);
  });

  it("rethrows the client's own synchronous error as it is, even one that cannot be read", () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('unreadable');
        },
      },
    );
    const client = instrumentClient(
      fakeOpenAI(() => {
        throw hostile;
      }),
      sink,
    );
    let caught: unknown;
    try {
      client.chat.completions.create({ model: 'gpt-4o' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBe(hostile);
    expect(reported.map((e) => e.code)).toEqual(['instrumentation']);
  });

  it('passes arguments it cannot read straight to the client', () => {
    const create = jest.fn(() => 'client result');
    const client = instrumentClient(fakeOpenAI(create), sink);
    expect(client.chat.completions.create(undefined, 'options')).toBe('client result');
    expect(create).toHaveBeenCalledWith(undefined, 'options');
    expect(submitted).toEqual([]);
  });
});
