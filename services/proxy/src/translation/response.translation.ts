import type { AnthropicContentBlock, AnthropicMessage, AnthropicResponseBlock, AnthropicStopReason } from './anthropic.wire';
import type { OpenAIChatCompletion, OpenAIFinishReason, OpenAIToolCall } from './openai.wire';
import { isPlainObject, refuse, translate, typeName, type Translation } from './translation.result';
import { toAnthropicUsage, toOpenAIUsage } from './usage.translation';

export interface ToOpenAICompletionOptions {
  /** The model the client asked for, which the answer names. */
  model: string;
  /** Default: the Anthropic message id. */
  id?: string;
  /** Unix seconds. Default: now. */
  created?: number;
}

/**
 * Why the answer ended, Anthropic to OpenAI. `pause_turn` only follows server tools, which are never translated;
 * `model_context_window_exceeded` cut the answer short like `max_tokens`.
 */
export function toOpenAIFinishReason(reason: AnthropicStopReason | null | undefined): OpenAIFinishReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
    case null:
    case undefined:
      return 'stop';
    default: {
      // Anthropic may add stop reasons within an API version: one newer than this code ends the answer normally.
      const _newer: never = reason;
      return 'stop';
    }
  }
}

/** OpenAI to Anthropic. OpenAI does not say whether a stop sequence ended the answer, so `stop` is `end_turn`. */
export function toAnthropicStopReason(reason: OpenAIFinishReason | null | undefined): AnthropicStopReason {
  switch (reason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    case 'stop':
    case null:
    case undefined:
      return 'end_turn';
    default: {
      const _newer: never = reason;
      return 'end_turn';
    }
  }
}

/** An Anthropic Message as an OpenAI chat completion with one choice. Thinking blocks are dropped: chat has no place for them. */
export function toOpenAIChatCompletion(message: AnthropicMessage, options: ToOpenAICompletionOptions): Translation<OpenAIChatCompletion> {
  return translate((dropped) => {
    if (!isPlainObject(message) || !Array.isArray(message.content)) refuse('content', 'an Anthropic message has a content array');
    let text = '';
    const toolCalls: OpenAIToolCall[] = [];
    message.content.forEach((block: AnthropicResponseBlock, i) => {
      switch (block.type) {
        case 'text':
          // Citations split one answer into several text blocks, meant to be read as one text.
          text += block.text;
          if (Array.isArray(block.citations) && block.citations.length > 0) dropped.add('content.citations');
          return;
        case 'tool_use':
          toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
          return;
        case 'thinking':
        case 'redacted_thinking':
          dropped.add('content.thinking');
          return;
        default:
          refuse(`content[${i}]`, `a ${typeName(block)} block has no chat completions equivalent`);
      }
    });
    return {
      id: options.id ?? message.id,
      object: 'chat.completion',
      created: options.created ?? Math.floor(Date.now() / 1000),
      model: options.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: text === '' && toolCalls.length > 0 ? null : text,
            refusal: null,
            ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
            annotations: [],
          },
          finish_reason: toOpenAIFinishReason(message.stop_reason),
          logprobs: null,
        },
      ],
      usage: toOpenAIUsage(message.usage ?? {}),
    };
  });
}

/**
 * An OpenAI chat completion as an Anthropic Message. A refusal (`message.refusal`) becomes the text of the answer
 * with `stop_reason: refusal`, the way Anthropic reports one.
 */
export function toAnthropicMessage(completion: OpenAIChatCompletion, options: { model: string }): Translation<AnthropicMessage> {
  return translate((dropped) => {
    if (!isPlainObject(completion) || !Array.isArray(completion.choices) || completion.choices.length !== 1) {
      refuse('choices', 'an Anthropic message holds exactly one answer');
    }
    const [{ message, finish_reason }] = completion.choices;
    if (message.audio != null) refuse('choices[0].message.audio', 'Anthropic answers in text only');
    if (Array.isArray(message.annotations) && message.annotations.length > 0) dropped.add('message.annotations');
    const content: AnthropicResponseBlock[] = [];
    if (typeof message.content === 'string' && message.content !== '') content.push({ type: 'text', text: message.content });
    const refused = typeof message.refusal === 'string' && message.refusal !== '';
    if (refused) content.push({ type: 'text', text: message.refusal as string });
    (message.tool_calls ?? []).forEach((call, j) => content.push(toolUseBlock(call, `choices[0].message.tool_calls[${j}]`)));
    return {
      id: completion.id,
      type: 'message',
      role: 'assistant',
      model: options.model,
      content,
      stop_reason: refused ? 'refusal' : toAnthropicStopReason(finish_reason),
      stop_sequence: null,
      usage: toAnthropicUsage(completion.usage),
    };
  });
}

function toolUseBlock(call: OpenAIToolCall, at: string): Extract<AnthropicContentBlock, { type: 'tool_use' }> {
  if (!isPlainObject(call) || call.type !== 'function') return refuse(at, `a ${typeName(call)} tool call is not translated`);
  let input: unknown;
  try {
    input = call.function.arguments === '' ? {} : JSON.parse(call.function.arguments);
  } catch {
    return refuse(`${at}.function.arguments`, 'is not valid JSON, and Anthropic gives tool input as an object');
  }
  if (!isPlainObject(input)) return refuse(`${at}.function.arguments`, 'must be a JSON object for Anthropic');
  return { type: 'tool_use', id: call.id, name: call.function.name, input };
}
