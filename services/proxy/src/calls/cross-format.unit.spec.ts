import { SseParser } from '../translation';
import { overloadedErrorSse, shortStreamSse, toolUseMessage, toolUseStreamSse } from '../translation/fixtures/anthropic.samples';
import { openAISse, textStreamChunks } from '../translation/fixtures/openai.samples';
import { ANTHROPIC_VERSION, targetHeaders, toCallerAnswer, toTargetRequest } from './cross-format';

const claude = { provider: 'anthropic' as const, model: 'claude-haiku-4-5' };
const gpt = { provider: 'openai' as const, model: 'gpt-4o-mini' };
const openAIRequest = {
  model: 'chat-default',
  messages: [
    { role: 'system', content: 'Answer in French.' },
    { role: 'user', content: 'Hello' },
  ],
};

/** An upstream answer as the fallback walk hands it over; a body given as pieces arrives piece by piece. */
function response(status: number, type: string, body: string | string[]): Response {
  const pieces = typeof body === 'string' ? [body] : body;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const piece of pieces) controller.enqueue(new TextEncoder().encode(piece));
      controller.close();
    },
  });
  return new Response(stream, { status, headers: { 'content-type': type, 'request-id': 'req_011CS1', 'content-length': '999' } });
}

async function text(body: AsyncIterable<Uint8Array>): Promise<string> {
  let all = '';
  for await (const chunk of body) all += Buffer.from(chunk).toString('utf8');
  return all;
}

const frames = (sse: string) => new SseParser().feed(sse);

describe('cross-format: requests', () => {
  it('sends an OpenAI chat call to Anthropic: the messages path, the system prompt, the default max_tokens, dropped fields named', () => {
    const request = toTargetRequest('openai', 'chat/completions', { ...openAIRequest, seed: 7 }, claude, 4_096);
    expect(request.ok && { path: request.path, body: JSON.parse(request.body.toString()), dropped: request.dropped }).toEqual({
      path: 'v1/messages',
      body: { model: 'claude-haiku-4-5', max_tokens: 4_096, system: 'Answer in French.', messages: [{ role: 'user', content: 'Hello' }] },
      dropped: ['seed'],
    });
  });

  it('sends an Anthropic messages call to OpenAI, a stream with its usage', () => {
    const body = { model: 'claude', max_tokens: 64, system: 'Be brief.', stream: true, messages: [{ role: 'user', content: 'Hi' }] };
    const request = toTargetRequest('anthropic', 'v1/messages', body, gpt, 4_096);
    expect(request.ok && { path: request.path, body: JSON.parse(request.body.toString()) }).toEqual({
      path: 'chat/completions',
      body: {
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
        ],
        max_completion_tokens: 64,
        stream: true,
        stream_options: { include_usage: true },
      },
    });
  });

  it('sends nothing for another operation than chat, or a request that does not translate, and says why', () => {
    expect(toTargetRequest('openai', 'embeddings', { model: 'x', input: 'hi' }, claude, 4_096)).toEqual({
      ok: false,
      reason: 'only chat (chat/completions) translates to anthropic, not embeddings',
    });
    expect(toTargetRequest('openai', 'chat/completions', { ...openAIRequest, n: 2 }, claude, 4_096)).toEqual({
      ok: false,
      reason: 'n: Anthropic returns one choice per request',
    });
  });

  it("sends the stored key as the target's provider reads it, the API version to Anthropic, and none of the caller's headers", () => {
    expect(targetHeaders('anthropic', 'sk-ant-1')).toEqual({
      'content-type': 'application/json',
      'accept-encoding': 'identity',
      'x-api-key': 'sk-ant-1',
      'anthropic-version': ANTHROPIC_VERSION,
    });
    expect(targetHeaders('openai', 'sk-proj-1')).toEqual({
      'content-type': 'application/json',
      'accept-encoding': 'identity',
      authorization: 'Bearer sk-proj-1',
    });
  });
});

describe('cross-format: answers', () => {
  it('gives an OpenAI caller an Anthropic message as a chat completion, naming the model that answered', async () => {
    const answer = await toCallerAnswer(response(200, 'application/json', JSON.stringify(toolUseMessage)), 'openai', claude, openAIRequest);
    expect(answer.status).toBe(200);
    expect(answer.headers).toEqual({ 'content-type': 'application/json', 'request-id': 'req_011CS1' });
    const completion = JSON.parse(await text(answer.body));
    expect(completion).toMatchObject({
      object: 'chat.completion',
      model: 'claude-sonnet-4-5-20250929',
      choices: [{ finish_reason: 'tool_calls', message: { content: "I'll check the current weather in San Francisco for you." } }],
      usage: { prompt_tokens: 384, completion_tokens: 77 },
    });
  });

  it('gives an OpenAI caller an Anthropic stream as chunks, however its bytes are split, with the usage chunk it asked for and [DONE]', async () => {
    // Split in the middle of frames: each piece yields what it completed.
    const pieces = [toolUseStreamSse.slice(0, 700), toolUseStreamSse.slice(700, 1_901), toolUseStreamSse.slice(1_901)];
    const request = { ...openAIRequest, stream: true, stream_options: { include_usage: true } };
    const answer = await toCallerAnswer(response(200, 'text/event-stream', pieces), 'openai', claude, request);
    expect(answer.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const chunks = frames(await text(answer.body)).map((f) => f.data);
    expect(chunks.at(-1)).toBe('[DONE]');
    const parsed = chunks.slice(0, -1).map((data) => JSON.parse(data));
    expect(parsed[0]).toMatchObject({ object: 'chat.completion.chunk', model: 'claude-sonnet-4-5-20250929' });
    expect(parsed.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe("Okay, let's check the weather for San Francisco, CA:");
    expect(parsed.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe('tool_calls');
    expect(parsed.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 472, completion_tokens: 89 } });
  });

  it('gives an Anthropic caller an OpenAI stream as events, its usage (reasoning included) in message_delta', async () => {
    const answer = await toCallerAnswer(response(200, 'text/event-stream', openAISse(textStreamChunks)), 'anthropic', gpt, {});
    const events = frames(await text(answer.body));
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      ...Array(4).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(JSON.parse(events[0].data).message.model).toBe('gpt-4o-mini-2024-07-18');
    expect(JSON.parse(events[7].data)).toMatchObject({
      delta: { stop_reason: 'end_turn' },
      usage: {
        input_tokens: 1_200 - 1_024,
        output_tokens: 80,
        cache_read_input_tokens: 1_024,
        output_tokens_details: { thinking_tokens: 32 },
      },
    });
  });

  it("gives the caller the provider's error in its own error body, the status kept", async () => {
    const overloaded = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    const toOpenAI = await toCallerAnswer(response(529, 'application/json', JSON.stringify(overloaded)), 'openai', claude, {});
    expect(toOpenAI.status).toBe(529);
    expect(JSON.parse(await text(toOpenAI.body))).toEqual({
      error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' },
    });
    const toAnthropic = await toCallerAnswer(response(503, 'text/html', '<h1>down</h1>'), 'anthropic', gpt, {});
    expect(JSON.parse(await text(toAnthropic.body))).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'the provider answered 503' },
    });
  });

  it('answers 502 for an answer that does not translate', async () => {
    const two = { id: 'c', object: 'chat.completion', model: 'gpt-4o-mini', choices: [{}, {}] };
    const answer = await toCallerAnswer(response(200, 'application/json', JSON.stringify(two)), 'anthropic', gpt, {});
    expect(answer.status).toBe(502);
    expect(JSON.parse(await text(answer.body)).error.message).toContain('does not translate: choices');
  });

  it("relays an upstream error event as the caller's, and throws after an error chunk on a stream cut short", async () => {
    const start = shortStreamSse.split(': keep-alive')[0];
    const failed = await toCallerAnswer(response(200, 'text/event-stream', start + overloadedErrorSse), 'openai', claude, {});
    expect(frames(await text(failed.body)).map((f) => JSON.parse(f.data).error?.code)).toEqual([undefined, 'overloaded_error']);

    const cut = await toCallerAnswer(response(200, 'text/event-stream', start), 'openai', claude, {});
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of cut.body) seen.push(Buffer.from(chunk).toString());
      })(),
    ).rejects.toThrow('cut its answer short');
    expect(seen.join('')).toContain('the upstream stream ended before the answer was complete');
  });
});
