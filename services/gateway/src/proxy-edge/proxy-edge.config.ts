import { configHelpers } from '@llmlab/config';

export const proxyEdgeEnv = {
  /**
   * Where the gateway sends `/proxy/openai/v1/*` and `/proxy/anthropic/*`: the proxy service's HTTP port (its
   * Kubernetes Service). Clients may also call the proxy there directly.
   */
  PROXY_URL: configHelpers.url(['http', 'https']).default('http://127.0.0.1:3107'),
};
