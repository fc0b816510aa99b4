import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';

/** Connections to the providers are kept open between calls (the proxy is their one client here). */
const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 512 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 512 }) };

export type UpstreamFailure = 'timeout' | 'unreachable' | 'cancelled';

export class UpstreamError extends Error {
  constructor(
    readonly failure: UpstreamFailure,
    cause: string,
    /** The socket's error code (`ECONNREFUSED`, `ECONNRESET`…), which the fallback walk classifies by. */
    readonly code?: string,
  ) {
    super(`${failure}: ${cause}`);
  }
}

export interface UpstreamCall {
  /** The answer, once its status and headers arrived; its body is a Node stream (backpressure for free). */
  response: Promise<IncomingMessage>;
  /** Stops the call, answer or not (the caller went away). */
  cancel(): void;
}

/**
 * One call to a provider with Node's own HTTP client, which costs a fraction of `fetch`'s web streams and abort
 * signals per call. `timeoutMs` bounds the wait for the status and headers; a stream then runs as long as it runs.
 */
export function upstreamRequest(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  timeoutMs: number,
  /** Connects to a checked address (a stored base under the SSRF rules) rather than what DNS says now. */
  lookup?: LookupFunction,
): UpstreamCall {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  let settled = false;
  let cancel: () => void = () => undefined;
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    const fail = (failure: UpstreamFailure, cause: string, code?: string) => {
      if (settled) return;
      settled = true;
      reject(new UpstreamError(failure, cause, code));
    };
    const req = (secure ? httpsRequest : httpRequest)(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method,
        headers: body ? { ...headers, 'content-length': String(body.length) } : headers,
        agent: secure ? agents.https : agents.http,
        ...(lookup ? { lookup } : {}),
      },
      (answer) => {
        clearTimeout(timer);
        settled = true;
        resolve(answer);
      },
    );
    const timer = setTimeout(() => {
      fail('timeout', `no answer within ${timeoutMs} ms`);
      req.destroy();
    }, timeoutMs);
    req.once('error', (err) => {
      clearTimeout(timer);
      fail('unreachable', err.message, (err as NodeJS.ErrnoException).code);
    });
    cancel = () => {
      clearTimeout(timer);
      fail('cancelled', 'the caller went away');
      req.destroy();
    };
    req.end(body);
  });
  return { response, cancel: () => cancel() };
}
