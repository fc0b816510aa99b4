import type { ServerResponse } from 'node:http';
import { PROXY_ERROR_STATUS, providerErrorBody, type ProxyErrorKind, type ProxyWireFormat } from '@llmlab/contracts';

/** Answers an error of the proxy in the caller's provider format (contracts' `providerErrorBody`). */
export function sendProviderError(
  res: ServerResponse,
  format: ProxyWireFormat,
  kind: ProxyErrorKind,
  message: string,
  field?: string,
  extra?: Record<string, unknown>,
  more: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = { 'content-type': 'application/json', ...more };
  if (kind === 'unavailable') headers['retry-after'] = '2';
  // The OpenAI and Anthropic SDKs retry a 429 unless told not to: a spent budget stays spent until its period ends.
  if (kind === 'budget_exceeded') headers['x-should-retry'] = 'false';
  res.writeHead(PROXY_ERROR_STATUS[kind], headers).end(JSON.stringify(providerErrorBody(format, kind, message, field, extra)));
}
