import type {
  AnthropicContentBlock,
  AnthropicMessageParam,
  AnthropicMessagesRequest,
  AnthropicTextBlock,
  AnthropicTool,
  AnthropicToolChoice,
  AnthropicToolResultBlock,
  AnthropicVersion,
} from './anthropic.wire';
import { toAnthropicImageSource } from './image.translation';
import type { OpenAIAssistantMessage, OpenAIChatRequest, OpenAIFunctionTool, OpenAIMessage, OpenAIToolCall } from './openai.wire';
import { isPlainObject, refuse, translate, typeName, type DroppedFields, type Translation } from './translation.result';

export interface ToAnthropicRequestOptions {
  /** The Anthropic model the request goes to. */
  model: string;
  /** `max_tokens` when the OpenAI request sets neither `max_completion_tokens` nor `max_tokens`: Anthropic requires one. */
  defaultMaxTokens?: number;
  /** The `anthropic-version` header the request is sent with. Default `2026-10-21`, which has no temperature or top_p. */
  anthropicVersion?: AnthropicVersion;
}

/**
 * An OpenAI chat completions request as an Anthropic Messages request. Every field of the input is handled, refused
 * or dropped by name (see README.md); nothing passes through unread.
 */
export function toAnthropicMessagesRequest(
  request: OpenAIChatRequest,
  options: ToAnthropicRequestOptions,
): Translation<AnthropicMessagesRequest> {
  return translate((dropped) => {
    const version = options.anthropicVersion ?? '2026-10-21';
    if (!Array.isArray(request.messages)) refuse('messages', 'must be an array of messages');
    const { system, messages } = toAnthropicMessages(request.messages, dropped);
    const body: AnthropicMessagesRequest = {
      model: options.model,
      max_tokens: maxTokens(request, options.defaultMaxTokens),
      ...(system !== undefined ? { system } : {}),
      messages,
    };
    let disableParallelToolUse = false;
    for (const [field, value] of Object.entries(request)) {
      if (value === null || value === undefined) continue;
      switch (field) {
        case 'model':
        case 'messages':
        case 'max_tokens':
        case 'max_completion_tokens':
          break;
        case 'stream_options':
          // Anthropic streams always carry usage; the stream translator adds OpenAI's usage chunk when it was asked for.
          break;
        case 'temperature':
          if (version === '2026-10-21') {
            dropped.add('temperature');
          } else {
            // Anthropic's range is 0..1, OpenAI's 0..2: a value above 1 is sent as 1 (the most random Anthropic allows),
            // never rescaled, so that the common values (0, 0.2, 0.7, 1) mean what they meant.
            if (Number(value) > 1) dropped.add('temperature');
            body.temperature = Math.min(Number(value), 1);
          }
          break;
        case 'top_p':
          if (version === '2026-10-21') dropped.add('top_p');
          else body.top_p = Number(value);
          break;
        case 'stop': {
          const stops = typeof value === 'string' ? [value] : (value as string[]);
          if (stops.length > 0) body.stop_sequences = stops;
          break;
        }
        case 'stream':
          body.stream = value === true;
          break;
        case 'tools':
          body.tools = toAnthropicTools(value as OpenAIFunctionTool[], dropped);
          break;
        case 'tool_choice':
          body.tool_choice = toAnthropicToolChoice(value);
          break;
        case 'parallel_tool_calls':
          disableParallelToolUse = value === false;
          break;
        case 'user':
          body.metadata = { user_id: request.safety_identifier ?? String(value) };
          break;
        case 'safety_identifier':
          body.metadata = { user_id: String(value) };
          break;
        case 'n':
          if (value !== 1) refuse('n', 'Anthropic returns one choice per request');
          break;
        case 'logprobs':
          if (value === true) refuse('logprobs', 'Anthropic returns no log probabilities');
          break;
        case 'top_logprobs':
          if (Number(value) > 0) refuse('top_logprobs', 'Anthropic returns no log probabilities');
          break;
        case 'response_format':
          body.output_config = { ...body.output_config, ...toAnthropicOutputFormat(value, dropped) };
          break;
        case 'modalities':
          if (Array.isArray(value) && value.some((modality) => modality !== 'text')) {
            refuse('modalities', 'Anthropic answers in text only');
          }
          break;
        case 'audio':
          refuse('audio', 'Anthropic answers in text only');
          break;
        case 'functions':
        case 'function_call':
          refuse(field, 'the deprecated function calling fields are not translated; use tools and tool_choice');
          break;
        case 'web_search_options':
          refuse('web_search_options', "OpenAI's built-in web search has no translated equivalent");
          break;
        default:
          // Sampling and serving hints with no Anthropic counterpart: seed, presence_penalty, frequency_penalty,
          // logit_bias, reasoning_effort, verbosity, prediction, service_tier, store, metadata, prompt_cache_key, ...
          dropped.add(field);
      }
    }
    if (disableParallelToolUse && body.tools !== undefined && body.tool_choice?.type !== 'none') {
      body.tool_choice = { ...(body.tool_choice ?? { type: 'auto' }), disable_parallel_tool_use: true };
    }
    return body;
  });
}

function maxTokens(request: OpenAIChatRequest, defaultMaxTokens: number | undefined): number {
  const limit = request.max_completion_tokens ?? request.max_tokens ?? defaultMaxTokens;
  if (typeof limit !== 'number') {
    return refuse('max_tokens', 'Anthropic requires max_tokens: set max_completion_tokens, or give the route a default');
  }
  return limit;
}

/**
 * Leading system and developer messages become `system`; Anthropic has no place for one later in the conversation,
 * so such a message is refused rather than moved. Tool results go into a user turn, and consecutive turns of the same
 * role are merged, because Anthropic wants user and assistant turns to alternate.
 */
function toAnthropicMessages(
  messages: OpenAIMessage[],
  dropped: DroppedFields,
): { system?: string | AnthropicTextBlock[]; messages: AnthropicMessageParam[] } {
  const system: AnthropicTextBlock[] = [];
  const turns: { role: 'user' | 'assistant'; blocks: AnthropicContentBlock[] }[] = [];
  messages.forEach((message, i) => {
    const at = `messages[${i}]`;
    if (!isPlainObject(message)) refuse(at, 'must be a message object');
    if ('name' in message && message.name !== undefined) dropped.add('messages.name');
    switch (message.role) {
      case 'system':
      case 'developer':
        if (turns.length > 0) {
          refuse(`${at}.role`, `Anthropic takes system instructions before the conversation only, not as message ${i}`);
        }
        system.push(...textBlocks(message.content, `${at}.content`));
        return;
      case 'user':
        turns.push({ role: 'user', blocks: userBlocks(message.content, at, dropped) });
        return;
      case 'assistant':
        turns.push({ role: 'assistant', blocks: assistantBlocks(message, at) });
        return;
      case 'tool':
        turns.push({ role: 'user', blocks: [toolResult(message.tool_call_id, message.content, at)] });
        return;
      default:
        refuse(`${at}.role`, `a message of role ${String((message as { role?: unknown }).role)} is not translated`);
    }
  });
  const merged: typeof turns = [];
  for (const turn of turns) {
    const last = merged[merged.length - 1];
    if (last?.role === turn.role) last.blocks.push(...turn.blocks);
    else merged.push({ role: turn.role, blocks: [...turn.blocks] });
  }
  return {
    ...(system.length > 0 ? { system: system.length === 1 ? system[0].text : system } : {}),
    messages: merged.map(({ role, blocks }) => ({ role, content: compact(blocks) })),
  };
}

/** A lone text block is sent as a string, the way clients write it. */
function compact(blocks: AnthropicContentBlock[]): string | AnthropicContentBlock[] {
  const [only] = blocks;
  return blocks.length === 1 && only.type === 'text' && Object.keys(only).length === 2 ? only.text : blocks;
}

function textBlocks(content: unknown, at: string): AnthropicTextBlock[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) refuse(at, 'must be a string or an array of text parts');
  return content.map((part, j) => {
    if (!isPlainObject(part) || part.type !== 'text' || typeof part.text !== 'string') {
      refuse(`${at}[${j}]`, `a ${typeName(part)} part is not translated here; only text is`);
    }
    return { type: 'text', text: part.text };
  });
}

function userBlocks(content: unknown, at: string, dropped: DroppedFields): AnthropicContentBlock[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) refuse(`${at}.content`, 'must be a string or an array of content parts');
  return content.map((part, j): AnthropicContentBlock => {
    const field = `${at}.content[${j}]`;
    if (isPlainObject(part) && part.type === 'text' && typeof part.text === 'string') return { type: 'text', text: part.text };
    if (isPlainObject(part) && part.type === 'image_url' && isPlainObject(part.image_url) && typeof part.image_url.url === 'string') {
      // Anthropic picks its own resolution; OpenAI's low/high detail only changes the cost and the precision.
      if (part.image_url.detail !== undefined && part.image_url.detail !== 'auto') dropped.add('image_url.detail');
      return { type: 'image', source: toAnthropicImageSource(part.image_url.url, field) };
    }
    if (isPlainObject(part) && part.type === 'input_audio') return refuse(field, 'Anthropic takes no audio input');
    if (isPlainObject(part) && part.type === 'file') return refuse(field, 'files and PDF documents are not translated');
    return refuse(field, `a ${typeName(part)} part is not translated`);
  });
}

function assistantBlocks(message: OpenAIAssistantMessage, at: string): AnthropicContentBlock[] {
  if (message.audio != null) refuse(`${at}.audio`, 'an audio answer cannot be replayed to Anthropic');
  if (message.function_call != null) refuse(`${at}.function_call`, 'the deprecated function_call is not translated; use tool_calls');
  const blocks: AnthropicContentBlock[] = [];
  const content = message.content;
  if (typeof content === 'string') {
    blocks.push({ type: 'text', text: content });
  } else if (Array.isArray(content)) {
    content.forEach((part, j) => {
      if (isPlainObject(part) && part.type === 'text' && typeof part.text === 'string') blocks.push({ type: 'text', text: part.text });
      else if (isPlainObject(part) && part.type === 'refusal' && typeof part.refusal === 'string') {
        blocks.push({ type: 'text', text: part.refusal });
      } else refuse(`${at}.content[${j}]`, `a ${typeName(part)} part is not translated`);
    });
  } else if (content != null) {
    refuse(`${at}.content`, 'must be a string, an array of text parts or null');
  }
  if (typeof message.refusal === 'string' && message.refusal !== '') blocks.push({ type: 'text', text: message.refusal });
  (message.tool_calls ?? []).forEach((call, j) => blocks.push(toolUse(call, `${at}.tool_calls[${j}]`)));
  // Anthropic rejects empty text blocks, and clients send `content: ""` beside tool calls.
  const nonEmpty = blocks.filter((block) => block.type !== 'text' || block.text !== '');
  return nonEmpty.length > 0 ? nonEmpty : [{ type: 'text', text: '' }];
}

function toolUse(call: OpenAIToolCall, at: string): AnthropicContentBlock {
  if (!isPlainObject(call) || call.type !== 'function' || !isPlainObject(call.function)) {
    return refuse(at, `a ${typeName(call)} tool call is not translated; only function calls are`);
  }
  const args = call.function.arguments;
  let input: unknown;
  try {
    input = args === '' || args === undefined ? {} : JSON.parse(args);
  } catch {
    return refuse(`${at}.function.arguments`, 'is not valid JSON, and Anthropic takes tool input as an object');
  }
  if (!isPlainObject(input)) refuse(`${at}.function.arguments`, 'must be a JSON object for Anthropic');
  return { type: 'tool_use', id: call.id, name: call.function.name, input };
}

function toolResult(toolCallId: unknown, content: unknown, at: string): AnthropicToolResultBlock {
  if (typeof toolCallId !== 'string') refuse(`${at}.tool_call_id`, 'a tool message must name the call it answers');
  return {
    type: 'tool_result',
    tool_use_id: toolCallId,
    content: typeof content === 'string' ? content : textBlocks(content, `${at}.content`),
  };
}

function toAnthropicTools(tools: OpenAIFunctionTool[], dropped: DroppedFields): AnthropicTool[] {
  if (!Array.isArray(tools)) refuse('tools', 'must be an array of tools');
  return tools.map((tool, i) => {
    if (!isPlainObject(tool) || tool.type !== 'function' || !isPlainObject(tool.function)) {
      return refuse(`tools[${i}]`, `a ${typeName(tool)} tool is not translated; only function tools are`);
    }
    const { name, description, parameters, strict, ...rest } = tool.function;
    for (const key of Object.keys(rest)) dropped.add(`tools.function.${key}`);
    return {
      name,
      ...(description !== undefined ? { description } : {}),
      // A function without parameters takes none; Anthropic wants the schema spelled out.
      input_schema: parameters ?? { type: 'object', properties: {} },
      ...(typeof strict === 'boolean' ? { strict } : {}),
    };
  });
}

function toAnthropicToolChoice(choice: unknown): AnthropicToolChoice {
  switch (choice) {
    case 'auto':
      return { type: 'auto' };
    case 'none':
      return { type: 'none' };
    case 'required':
      return { type: 'any' };
  }
  if (isPlainObject(choice) && choice.type === 'function' && isPlainObject(choice.function) && typeof choice.function.name === 'string') {
    return { type: 'tool', name: choice.function.name };
  }
  return refuse('tool_choice', `a ${typeName(choice)} tool choice is not translated`);
}

/** Anthropic enforces a JSON schema (`output_config.format`); it has no schema-less JSON mode. */
function toAnthropicOutputFormat(format: unknown, dropped: DroppedFields): AnthropicMessagesRequest['output_config'] {
  if (isPlainObject(format) && format.type === 'text') return {};
  if (isPlainObject(format) && format.type === 'json_schema' && isPlainObject(format.json_schema)) {
    const { schema, description } = format.json_schema;
    if (!isPlainObject(schema)) refuse('response_format.json_schema.schema', 'Anthropic needs the schema itself');
    if (description !== undefined) dropped.add('response_format.json_schema.description');
    return { format: { type: 'json_schema', schema } };
  }
  if (isPlainObject(format) && format.type === 'json_object') {
    return refuse('response_format', 'Anthropic has no JSON mode without a schema; use a json_schema response format');
  }
  return refuse('response_format', `a ${typeName(format)} response format is not translated`);
}
