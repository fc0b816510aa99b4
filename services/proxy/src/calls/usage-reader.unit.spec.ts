import { usageReaderFor } from './usage-reader';

describe('usage readers', () => {
  it("say which frame ends each format's stream, whatever way it ended", () => {
    const chat = usageReaderFor('openai', 'chat/completions')!;
    expect([chat.ends({ data: '[DONE]' }), chat.ends({ data: '{"choices":[]}' })]).toEqual([true, false]);
    const responses = usageReaderFor('openai', 'responses')!;
    expect(
      ['response.output_text.delta', 'response.completed', 'response.incomplete', 'response.failed'].map((event) =>
        responses.ends({ event, data: '{}' }),
      ),
    ).toEqual([false, true, true, true]);
    const messages = usageReaderFor('anthropic', 'v1/messages')!;
    expect(['message_delta', 'message_stop', 'error'].map((event) => messages.ends({ event, data: '{}' }))).toEqual([false, true, true]);
    expect(usageReaderFor('openai', 'embeddings')!.ends({ data: '[DONE]' })).toBe(false);
    expect(usageReaderFor('openai', 'models')).toBeUndefined();
  });

  it('read the model and usage of a stream, and hide the usage chunk the proxy asked for', () => {
    const chat = usageReaderFor('openai', 'chat/completions')!;
    expect(chat.prepare({ model: 'gpt-4o-mini', stream: true })).toMatchObject({ stream_options: { include_usage: true } });
    const usageChunk = { model: 'gpt-4o-mini-2024-07-18', choices: [], usage: { prompt_tokens: 12, completion_tokens: 3 } };
    chat.event({ model: 'gpt-4o-mini-2024-07-18', choices: [{ delta: { content: 'hi' } }] });
    chat.event(usageChunk);
    expect(chat.hides(usageChunk)).toBe(true);
    expect(chat.outcome()).toMatchObject({ model: 'gpt-4o-mini-2024-07-18', usage: { inputTokens: 12, outputTokens: 3 } });

    const messages = usageReaderFor('anthropic', 'v1/messages')!;
    messages.event({ type: 'message_start', message: { model: 'claude-sonnet-4-5', usage: { input_tokens: 20, output_tokens: 1 } } });
    messages.event({ type: 'message_delta', usage: { output_tokens: 9 } });
    expect(messages.outcome()).toMatchObject({ model: 'claude-sonnet-4-5', usage: { inputTokens: 20, outputTokens: 9 } });
  });
});
