import type { ProxyWireFormat } from './proxy-errors';

interface ProxyProviderInfo {
  /** As people write it. */
  readonly name: string;
  /** The wire format its API speaks. */
  readonly format: ProxyWireFormat;
  /**
   * Its API's base URL when a stored key names none; null for OpenAI and Anthropic (the operator's
   * `PROXY_OPENAI_BASE_URL` and `PROXY_ANTHROPIC_BASE_URL`), and for Azure OpenAI (each resource has its own: a
   * stored Azure key must name its `baseUrl`).
   */
  readonly baseUrl: string | null;
  /** The request header its key goes in, when not the format's (`Authorization: Bearer` / `x-api-key`). */
  readonly keyHeader?: string;
}

/**
 * The upstreams a project may store a key for and route calls to: the two formats' own providers, and providers
 * whose API speaks OpenAI's format at their base URL. Ids are the pricing catalog's (libs/pricing), so the usage of a
 * call they served is priced as theirs. A route may fall back from one to another: between providers of one format
 * the call goes as it came (its model replaced), across formats it is translated (chat only).
 */
export const PROXY_PROVIDERS = {
  openai: { name: 'OpenAI', format: 'openai', baseUrl: null },
  anthropic: { name: 'Anthropic', format: 'anthropic', baseUrl: null },
  azure: { name: 'Azure OpenAI', format: 'openai', baseUrl: null, keyHeader: 'api-key' },
  deepseek: { name: 'DeepSeek', format: 'openai', baseUrl: 'https://api.deepseek.com/v1' },
  groq: { name: 'Groq', format: 'openai', baseUrl: 'https://api.groq.com/openai/v1' },
  openrouter: { name: 'OpenRouter', format: 'openai', baseUrl: 'https://openrouter.ai/api/v1' },
  mistral: { name: 'Mistral', format: 'openai', baseUrl: 'https://api.mistral.ai/v1' },
  together: { name: 'Together AI', format: 'openai', baseUrl: 'https://api.together.xyz/v1' },
  fireworks: { name: 'Fireworks', format: 'openai', baseUrl: 'https://api.fireworks.ai/inference/v1' },
  'x-ai': { name: 'xAI', format: 'openai', baseUrl: 'https://api.x.ai/v1' },
} as const satisfies Record<string, ProxyProviderInfo>;

export type ProxyProvider = keyof typeof PROXY_PROVIDERS;
export const PROXY_PROVIDER_IDS = Object.keys(PROXY_PROVIDERS) as ProxyProvider[];

export function isProxyProvider(value: unknown): value is ProxyProvider {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(PROXY_PROVIDERS, value);
}

/** The provider's facts, typed wide (every field optional where some providers lack it). */
export function proxyProvider(id: ProxyProvider): ProxyProviderInfo {
  return PROXY_PROVIDERS[id];
}
