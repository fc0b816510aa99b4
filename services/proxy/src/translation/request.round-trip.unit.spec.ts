import type { AnthropicMessagesRequest } from './anthropic.wire';
import { PNG_BASE64, toolConversationRequest } from './fixtures/openai.samples';
import type { OpenAIChatRequest, OpenAIFunctionTool, OpenAIMessage, OpenAIToolChoice } from './openai.wire';
import { toAnthropicMessagesRequest } from './to-anthropic.request';
import { toOpenAIChatRequest } from './to-openai.request';
import type { Translation } from './translation.result';

function body<T>(result: Translation<T>): T {
  if (!result.ok) throw new Error(`refused ${result.field}: ${result.reason}`);
  expect(result.dropped).toEqual([]);
  return result.body;
}

const viaAnthropic = (request: OpenAIChatRequest) =>
  body(toOpenAIChatRequest(body(toAnthropicMessagesRequest(request, { model: 'claude-sonnet-4-5' })), { model: request.model }));

const viaOpenAI = (request: AnthropicMessagesRequest) =>
  body(toAnthropicMessagesRequest(body(toOpenAIChatRequest(request, { model: 'gpt-4.1' })), { model: request.model }));

/** mulberry32: a seeded generator, so that a failing case is the same on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const WORDS = ['weather', 'in', 'Paris', 'Zürich', 'tomorrow', '¿qué', 'tal?', '東京', 'rain', '"quoted"', 'line\nbreak', '🌧'];

/**
 * A random OpenAI conversation of the shapes the translation keeps exactly: leading system messages, user turns of
 * text or of several parts, assistant answers or tool calls each answered by a tool message, roles alternating.
 */
function conversation(random: () => number, index: number): OpenAIChatRequest {
  const int = (below: number) => Math.floor(random() * below);
  const text = () => Array.from({ length: 1 + int(6) }, () => WORDS[int(WORDS.length)]).join(' ');
  const tools: OpenAIFunctionTool[] = Array.from({ length: int(4) }, (_, i) => ({
    type: 'function',
    function: {
      name: `tool_${i}`,
      ...(random() < 0.7 ? { description: text() } : {}),
      parameters: { type: 'object', properties: { q: { type: 'string', description: text() } }, required: ['q'] },
      ...(random() < 0.3 ? { strict: true } : {}),
    },
  }));
  const messages: OpenAIMessage[] = [];
  for (let i = int(3); i > 0; i--) messages.push({ role: 'system', content: text() });
  let calls = 0;
  for (let turn = 1 + int(5); turn > 0; turn--) {
    const image = random() < 0.5 ? `data:image/png;base64,${PNG_BASE64}` : `https://example.com/${int(100)}.jpg`;
    messages.push({
      role: 'user',
      content:
        random() < 0.6
          ? text()
          : [
              { type: 'text', text: text() },
              { type: 'image_url', image_url: { url: image } },
            ],
    });
    if (tools.length > 0 && random() < 0.5) {
      const toolCalls = Array.from({ length: 1 + int(3) }, () => ({
        id: `call_${index}_${calls++}`,
        type: 'function' as const,
        function: { name: tools[int(tools.length)].function.name, arguments: JSON.stringify({ q: text(), n: int(10) }) },
      }));
      messages.push({ role: 'assistant', content: random() < 0.5 ? null : text(), tool_calls: toolCalls });
      for (const call of toolCalls) {
        const content =
          random() < 0.7
            ? text()
            : [
                { type: 'text' as const, text: text() },
                { type: 'text' as const, text: text() },
              ];
        messages.push({ role: 'tool', tool_call_id: call.id, content });
      }
    }
    messages.push({ role: 'assistant', content: text() });
  }
  const choices: OpenAIToolChoice[] = ['auto', 'none', 'required', { type: 'function', function: { name: 'tool_0' } }];
  return {
    model: 'gpt-4.1',
    messages,
    max_completion_tokens: 256 + int(4096),
    ...(tools.length > 0 ? { tools, tool_choice: choices[int(choices.length)] } : {}),
    ...(random() < 0.5 ? { stop: [text()] } : {}),
    ...(random() < 0.5 ? { user: `user-${int(1000)}` } : {}),
  };
}

describe('request round trips', () => {
  it('OpenAI → Anthropic → OpenAI keeps the documentation conversation (with system for developer)', () => {
    const request = structuredClone(toolConversationRequest) as OpenAIChatRequest;
    request.messages[0].role = 'system';
    // Arguments come back in JSON.stringify's compact form.
    const [, , assistant] = request.messages;
    if (assistant.role === 'assistant') assistant.tool_calls![0].function.arguments = '{"location":"Boston, MA"}';
    delete request.stream_options;
    expect(viaAnthropic({ ...request, stream: false })).toEqual({ ...request, stream: false });
  });

  it('OpenAI → Anthropic → OpenAI keeps messages, tools and their settings, for 300 random conversations', () => {
    const random = seeded(20_261_021);
    for (let i = 0; i < 300; i++) {
      const request = conversation(random, i);
      expect(viaAnthropic(request)).toEqual(request);
    }
  });

  it('Anthropic → OpenAI → Anthropic keeps them too, from each of those conversations as Anthropic sees it', () => {
    const random = seeded(4_096);
    for (let i = 0; i < 300; i++) {
      const anthropic = body(toAnthropicMessagesRequest(conversation(random, i), { model: 'claude-sonnet-4-5' }));
      expect(viaOpenAI(anthropic)).toEqual(anthropic);
    }
  });
});
