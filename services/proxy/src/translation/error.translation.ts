import type { AnthropicErrorBody } from './anthropic.wire';
import type { OpenAIErrorBody } from './openai.wire';

/**
 * Error bodies, both ways; the same shapes travel inside streams (Anthropic `event: error`, OpenAI
 * `data: {"error": ...}`). Clients of both SDKs choose the exception class from the HTTP status, and read the
 * type to tell errors apart within one status; the message passes unchanged.
 */
const OPENAI_TYPE_OF: Record<string, string> = {
  invalid_request_error: 'invalid_request_error',
  request_too_large: 'invalid_request_error',
  not_found_error: 'invalid_request_error',
  authentication_error: 'authentication_error',
  permission_error: 'permission_error',
  billing_error: 'insufficient_quota',
  rate_limit_error: 'rate_limit_error',
  api_error: 'server_error',
  overloaded_error: 'server_error',
  timeout_error: 'server_error',
};

/** OpenAI's `code` keeps the Anthropic error type, so that nothing of it is lost (`overloaded_error`). */
export function toOpenAIError(body: AnthropicErrorBody): OpenAIErrorBody {
  const type = body.error?.type ?? 'api_error';
  return {
    error: { message: body.error?.message ?? 'upstream error', type: OPENAI_TYPE_OF[type] ?? 'server_error', param: null, code: type },
  };
}

/** By OpenAI's type or code first; by the HTTP status when neither says (`status` of the answer, when there was one). */
export function toAnthropicError(body: OpenAIErrorBody, status?: number): AnthropicErrorBody {
  const { type, code, message } = body.error ?? {};
  return { type: 'error', error: { type: anthropicType(type, code, status), message: message ?? 'upstream error' } };
}

function anthropicType(type: string | undefined, code: string | null | undefined, status: number | undefined): string {
  if (code === 'rate_limit_exceeded' || type === 'rate_limit_error' || type === 'tokens' || type === 'requests') return 'rate_limit_error';
  if (code === 'insufficient_quota' || type === 'insufficient_quota') return 'billing_error';
  if (code === 'invalid_api_key' || type === 'authentication_error') return 'authentication_error';
  if (type === 'permission_error') return 'permission_error';
  if (code === 'model_not_found') return 'not_found_error';
  if (code === 'context_length_exceeded') return 'invalid_request_error';
  if (type === 'server_error') return 'api_error';
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    case 504:
      return 'timeout_error';
  }
  return type === 'invalid_request_error' ? 'invalid_request_error' : 'api_error';
}
