import type { AnthropicMessagesRequest } from './anthropic.wire';
import { toOpenAIImageUrl } from './image.translation';
import type {
  OpenAIAssistantMessage,
  OpenAIChatRequest,
  OpenAIFunctionTool,
  OpenAIMessage,
  OpenAIReasoningEffort,
  OpenAITextPart,
  OpenAIToolCall,
  OpenAIToolChoice,
  OpenAIUserPart,
} from './openai.wire';
import { isPlainObject, refuse, translate, typeName, type DroppedFields, type Translation } from './translation.result';

export interface ToOpenAIRequestOptions {
  /** The OpenAI model the request goes to. */
  model: string;
  /**
   * The target model reasons (o-series, gpt-5): it takes `reasoning_effort`, so an Anthropic request with `thinking`
   * can go to it (the answer then carries no thinking blocks: chat completions does not return reasoning). Without
   * it, a request with `thinking` is refused.
   */
  reasoning?: boolean;
}

/** Chat completions accept at most four stop sequences. */
const MAX_STOP_SEQUENCES = 4;

/**
 * An Anthropic Messages request as an OpenAI chat completions request. Every field of the input is handled, refused
 * or dropped by name (see README.md); nothing passes through unread.
 */
export function toOpenAIChatRequest(request: AnthropicMessagesRequest, options: ToOpenAIRequestOptions): Translation<OpenAIChatRequest> {
  return translate((dropped) => {
    if (!Array.isArray(request.messages)) refuse('messages', 'must be an array of messages');
    const body: OpenAIChatRequest = {
      model: options.model,
      messages: [...systemMessages(request.system, dropped), ...toOpenAIMessages(request.messages, dropped)],
    };
    for (const [field, value] of Object.entries(request)) {
      if (value === null || value === undefined) continue;
      switch (field) {
        case 'model':
        case 'messages':
        case 'system':
        case 'thinking':
        case 'output_config':
          break;
        case 'max_tokens':
          // `max_tokens` is deprecated for chat completions and rejected by reasoning models.
          body.max_completion_tokens = Number(value);
          break;
        case 'temperature':
          // Anthropic's 0..1 lies inside OpenAI's 0..2 and is sent unchanged: both default to 1.
          body.temperature = Number(value);
          break;
        case 'top_p':
          body.top_p = Number(value);
          break;
        case 'stop_sequences': {
          const stops = value as string[];
          if (stops.length > MAX_STOP_SEQUENCES) {
            refuse('stop_sequences', `OpenAI accepts at most ${MAX_STOP_SEQUENCES} stop sequences, not ${stops.length}`);
          }
          if (stops.length > 0) body.stop = stops;
          break;
        }
        case 'stream':
          body.stream = value === true;
          // Anthropic streams always report usage; OpenAI's only when asked.
          if (value === true) body.stream_options = { include_usage: true };
          break;
        case 'tools':
          body.tools = toOpenAITools(value, dropped);
          break;
        case 'tool_choice':
          Object.assign(body, toOpenAIToolChoice(value));
          break;
        case 'metadata':
          if (isPlainObject(value)) {
            const { user_id, ...rest } = value;
            if (typeof user_id === 'string') body.user = user_id;
            for (const key of Object.keys(rest)) dropped.add(`metadata.${key}`);
          }
          break;
        case 'cache_control':
          // OpenAI caches prompt prefixes by itself; the breakpoint has nothing to say to it.
          dropped.add('cache_control');
          break;
        case 'container':
        case 'mcp_servers':
        case 'context_management':
          refuse(field, 'runs server-side on Anthropic and has no OpenAI equivalent');
          break;
        default:
          // top_k, service_tier, inference_geo, speed, ...: serving and sampling hints with no OpenAI counterpart.
          dropped.add(field);
      }
    }
    applyReasoning(request, options, body, dropped);
    const format = request.output_config?.format;
    if (format != null) {
      if (!isPlainObject(format) || format.type !== 'json_schema' || !isPlainObject(format.schema)) {
        refuse('output_config.format', `a ${typeName(format)} output format is not translated`);
      }
      // Anthropic enforces the schema, so OpenAI is asked to as well.
      body.response_format = { type: 'json_schema', json_schema: { name: 'output', schema: format.schema, strict: true } };
    }
    return body;
  });
}

/** `thinking` needs a reasoning model; its budget, or `output_config.effort`, becomes `reasoning_effort`. */
function applyReasoning(
  request: AnthropicMessagesRequest,
  options: ToOpenAIRequestOptions,
  body: OpenAIChatRequest,
  dropped: DroppedFields,
) {
  const thinking = request.thinking;
  const thinks = isPlainObject(thinking) && thinking.type !== 'disabled';
  if (thinks) {
    if (options.reasoning !== true) refuse('thinking', 'the target OpenAI model does not reason');
    dropped.add('thinking');
  }
  const effort = request.output_config?.effort;
  if (effort != null) {
    if (options.reasoning === true) body.reasoning_effort = effort;
    else dropped.add('output_config.effort');
  } else if (thinks && thinking.type === 'enabled' && typeof thinking.budget_tokens === 'number') {
    body.reasoning_effort = effortOfBudget(thinking.budget_tokens);
  }
}

/** Budgets as Anthropic's guide sizes them: a few thousand tokens is light thinking, tens of thousands is deep. */
function effortOfBudget(budgetTokens: number): OpenAIReasoningEffort {
  if (budgetTokens < 4_096) return 'low';
  if (budgetTokens < 16_384) return 'medium';
  return 'high';
}

function systemMessages(system: unknown, dropped: DroppedFields): OpenAIMessage[] {
  if (system === undefined || system === null) return [];
  if (typeof system === 'string') return [{ role: 'system', content: system }];
  if (!Array.isArray(system)) return refuse('system', 'must be a string or an array of text blocks');
  return system.map((block, i): OpenAIMessage => {
    if (!isPlainObject(block) || block.type !== 'text' || typeof block.text !== 'string') {
      return refuse(`system[${i}]`, `a ${typeName(block)} block is not translated; only text is`);
    }
    noteBlockExtras(block, dropped);
    return { role: 'system', content: block.text };
  });
}

function toOpenAIMessages(messages: unknown[], dropped: DroppedFields): OpenAIMessage[] {
  return messages.flatMap((message, i): OpenAIMessage[] => {
    const at = `messages[${i}]`;
    if (!isPlainObject(message)) return refuse(at, 'must be a message object');
    if (message.role === 'user') return userMessages(message.content, at, dropped);
    if (message.role === 'assistant') return [assistantMessage(message.content, at, dropped)];
    return refuse(`${at}.role`, `a message of role ${String(message.role)} is not translated`);
  });
}

/**
 * One Anthropic user turn can hold tool results and the user's next words; OpenAI wants one `tool` message per
 * result, then the user message. Blocks keep their order, so the results (which Anthropic puts first) come first.
 */
function userMessages(content: unknown, at: string, dropped: DroppedFields): OpenAIMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  if (!Array.isArray(content)) return refuse(`${at}.content`, 'must be a string or an array of content blocks');
  const out: OpenAIMessage[] = [];
  let parts: OpenAIUserPart[] = [];
  const flush = () => {
    if (parts.length === 0) return;
    const [only] = parts;
    out.push({ role: 'user', content: parts.length === 1 && only.type === 'text' ? only.text : parts });
    parts = [];
  };
  content.forEach((block, j) => {
    const field = `${at}.content[${j}]`;
    if (!isPlainObject(block)) refuse(field, 'must be a content block');
    noteBlockExtras(block, dropped);
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', text: String(block.text) });
        return;
      case 'image':
        parts.push({ type: 'image_url', image_url: { url: toOpenAIImageUrl(block.source, `${field}.source`) } });
        return;
      case 'tool_result':
        flush();
        out.push(toolMessage(block, field, dropped));
        return;
      case 'document':
        refuse(field, 'documents (PDF, text) are not translated');
        return;
      default:
        refuse(field, `a ${typeName(block)} block is not translated`);
    }
  });
  flush();
  return out;
}

function toolMessage(block: Record<string, unknown>, at: string, dropped: DroppedFields): OpenAIMessage {
  if (typeof block.tool_use_id !== 'string') refuse(`${at}.tool_use_id`, 'a tool result must name the call it answers');
  // OpenAI has no error flag on a tool message; the result's text is what tells the model what went wrong.
  if (block.is_error === true) dropped.add('tool_result.is_error');
  return { role: 'tool', tool_call_id: block.tool_use_id, content: toolResultContent(block.content, `${at}.content`, dropped) };
}

function toolResultContent(content: unknown, at: string, dropped: DroppedFields): string | OpenAITextPart[] {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return refuse(at, 'must be a string or an array of blocks');
  const parts = content.map((block, k): OpenAITextPart => {
    if (!isPlainObject(block) || block.type !== 'text' || typeof block.text !== 'string') {
      return refuse(`${at}[${k}]`, `OpenAI tool results hold text only, not a ${typeName(block)} block`);
    }
    noteBlockExtras(block, dropped);
    return { type: 'text', text: block.text };
  });
  return parts.length === 1 ? parts[0].text : parts;
}

function assistantMessage(content: unknown, at: string, dropped: DroppedFields): OpenAIAssistantMessage {
  if (typeof content === 'string') return { role: 'assistant', content };
  if (!Array.isArray(content)) return refuse(`${at}.content`, 'must be a string or an array of content blocks');
  const texts: string[] = [];
  const toolCalls: OpenAIToolCall[] = [];
  content.forEach((block, j) => {
    const field = `${at}.content[${j}]`;
    if (!isPlainObject(block)) refuse(field, 'must be a content block');
    noteBlockExtras(block, dropped);
    switch (block.type) {
      case 'text':
        texts.push(String(block.text));
        return;
      case 'tool_use':
        if (typeof block.id !== 'string' || typeof block.name !== 'string') refuse(field, 'a tool use needs an id and a name');
        toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
        return;
      case 'thinking':
      case 'redacted_thinking':
        // Earlier reasoning of an Anthropic model: an OpenAI model can neither read nor verify it.
        dropped.add('content.thinking');
        return;
      default:
        refuse(field, `a ${typeName(block)} block is not translated`);
    }
  });
  const message: OpenAIAssistantMessage = {
    role: 'assistant',
    content:
      texts.length === 0
        ? toolCalls.length > 0
          ? null
          : ''
        : texts.length === 1
          ? texts[0]
          : texts.map((text) => ({ type: 'text', text })),
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return message;
}

function noteBlockExtras(block: Record<string, unknown>, dropped: DroppedFields) {
  if (block.cache_control != null) dropped.add('cache_control');
  if (Array.isArray(block.citations) && block.citations.length > 0) dropped.add('content.citations');
}

function toOpenAITools(tools: unknown, dropped: DroppedFields): OpenAIFunctionTool[] {
  if (!Array.isArray(tools)) return refuse('tools', 'must be an array of tools');
  return tools.map((tool, i): OpenAIFunctionTool => {
    if (!isPlainObject(tool)) return refuse(`tools[${i}]`, 'must be a tool object');
    const { name, description, input_schema, strict, type, cache_control, ...rest } = tool;
    if (type !== undefined && type !== null && type !== 'custom') {
      return refuse(`tools[${i}]`, `the Anthropic server tool ${String(type)} has no OpenAI equivalent`);
    }
    if (typeof name !== 'string' || !isPlainObject(input_schema)) return refuse(`tools[${i}]`, 'a tool needs a name and an input_schema');
    if (cache_control != null) dropped.add('cache_control');
    for (const key of Object.keys(rest)) dropped.add(`tools.${key}`);
    return {
      type: 'function',
      function: {
        name,
        ...(typeof description === 'string' ? { description } : {}),
        parameters: input_schema,
        ...(typeof strict === 'boolean' ? { strict } : {}),
      },
    };
  });
}

function toOpenAIToolChoice(choice: unknown): { tool_choice: OpenAIToolChoice; parallel_tool_calls?: false } {
  if (!isPlainObject(choice)) return refuse('tool_choice', 'must be a tool choice object');
  const parallel = choice.disable_parallel_tool_use === true ? { parallel_tool_calls: false as const } : {};
  switch (choice.type) {
    case 'auto':
      return { tool_choice: 'auto', ...parallel };
    case 'any':
      return { tool_choice: 'required', ...parallel };
    case 'none':
      return { tool_choice: 'none' };
    case 'tool':
      if (typeof choice.name !== 'string') return refuse('tool_choice.name', 'must name the tool');
      return { tool_choice: { type: 'function', function: { name: choice.name } }, ...parallel };
    default:
      return refuse('tool_choice', `a ${typeName(choice)} tool choice is not translated`);
  }
}
