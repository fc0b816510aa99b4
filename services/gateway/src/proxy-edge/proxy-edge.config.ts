import { configHelpers } from '@llmlab/config';
import { DEFAULT_PROXY_PORT } from '@llmlab/contracts';

export const proxyEdgeEnv = {
  /**
   * Where the gateway sends `/proxy/openai/v1/*` and `/proxy/anthropic/*`: the proxy service's data port,
   * `PROXY_PORT` (its Kubernetes Service's `proxy` port). Clients may also call the proxy there directly.
   */
  PROXY_URL: configHelpers.url(['http', 'https']).default(`http://127.0.0.1:${DEFAULT_PROXY_PORT}`),
};
