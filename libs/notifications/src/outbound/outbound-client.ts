import type { IncomingHttpHeaders } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { OutboundPolicy, ResolvedAddress } from './outbound-policy';
import { checkUrl, type DestinationRule, type UrlRefusalReason } from './url-check';

export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** POST unless told (provider-sync reads providers' reports with GET and an empty body). */
  method?: 'GET' | 'POST';
}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The first `maxResponseBytes` of the answer, as UTF-8. */
  body: string;
  truncated: boolean;
}

/** Everything a POST can end in; transport failures are values, so a caller's `switch` covers them all. */
export type OutboundResult =
  | { kind: 'response'; response: OutboundResponse; durationMs: number }
  /** Nothing was sent: the URL or one of its addresses broke a rule. */
  | { kind: 'refused'; reason: Exclude<UrlRefusalReason, 'unresolvable'>; message: string }
  /** DNS, connect, TLS or a reset: the request may or may not have reached the receiver. */
  | { kind: 'network'; code: string; message: string }
  | { kind: 'timeout'; message: string };

/**
 * A `lookup` that answers with the address `checkUrl` approved, whatever DNS would say now. Node asks for every
 * address (`all: true`) when it races IPv4 and IPv6 (`autoSelectFamily`), for one otherwise.
 */
export function pinnedLookup(pinned: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
    else callback(null, pinned.address, pinned.family);
  };
}

function stripBrackets(hostname: string): string {
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
}

/**
 * The only way notifications leave the platform: checks the URL (DESIGN.md section 6) immediately before
 * connecting, connects to the checked address, never follows a redirect (Node's client does not; a 3xx comes
 * back as a response for the caller to refuse), and bounds time and answer size.
 */
export class OutboundClient {
  constructor(readonly policy: OutboundPolicy) {}

  checkUrl(url: string, rule?: DestinationRule) {
    return checkUrl(url, this.policy, rule);
  }

  /** The request as a GET (no body sent), under the same rules as `post`. */
  get(request: Omit<OutboundRequest, 'body' | 'method'>, rule?: DestinationRule): Promise<OutboundResult> {
    return this.post({ ...request, body: '', method: 'GET' }, rule);
  }

  async post(request: OutboundRequest, rule?: DestinationRule): Promise<OutboundResult> {
    const started = Date.now();
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.policy.timeoutMs);
    try {
      const check = await Promise.race([
        this.checkUrl(request.url, rule),
        new Promise<'timeout'>((resolve) => deadline.signal.addEventListener('abort', () => resolve('timeout'))),
      ]);
      if (check === 'timeout') return { kind: 'timeout', message: 'resolving the host took too long' };
      if (!check.ok) {
        return check.reason === 'unresolvable'
          ? { kind: 'network', code: 'ENOTFOUND', message: check.message }
          : { kind: 'refused', reason: check.reason, message: check.message };
      }
      return await this.send(check.url, check.addresses[0], request, deadline.signal, started);
    } finally {
      clearTimeout(timer);
    }
  }

  private send(url: URL, pinned: ResolvedAddress, request: OutboundRequest, signal: AbortSignal, started: number): Promise<OutboundResult> {
    const hostname = stripBrackets(url.hostname.endsWith('.') ? url.hostname.slice(0, -1) : url.hostname);
    const body = Buffer.from(request.body, 'utf8');
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const maxBytes = this.policy.maxResponseBytes;

    return new Promise<OutboundResult>((resolve) => {
      const req = send({
        protocol: url.protocol,
        hostname,
        port: url.port || undefined,
        path: url.pathname + url.search,
        method: request.method ?? 'POST',
        headers: request.method === 'GET' ? request.headers : { ...request.headers, 'content-length': String(body.length) },
        lookup: pinnedLookup(pinned),
        // A fresh connection per request: a pooled socket would skip the check this request just made.
        agent: false,
        signal,
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (signal.aborted) resolve({ kind: 'timeout', message: `no complete answer within ${this.policy.timeoutMs} ms` });
        else resolve({ kind: 'network', code: error.code ?? 'ERR_NETWORK', message: error.message });
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        let truncated = false;
        const finish = () =>
          resolve({
            kind: 'response',
            response: {
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
              truncated,
            },
            durationMs: Date.now() - started,
          });
        res.on('data', (chunk: Buffer) => {
          if (truncated) return;
          const room = maxBytes - kept;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, room));
            truncated = true;
            // The status and the first bytes are all a delivery needs; reading on would let a receiver hold us.
            finish();
            res.destroy();
            return;
          }
          chunks.push(chunk);
          kept += chunk.length;
        });
        res.on('end', finish);
        // A cut-off answer ends in 'error', 'close' or both, depending on who cut it; settling twice is harmless
        // (a promise keeps its first value), missing a way to settle is not.
        const cutOff = () => {
          if (truncated || res.complete) return;
          if (signal.aborted) resolve({ kind: 'timeout', message: `no complete answer within ${this.policy.timeoutMs} ms` });
          else resolve({ kind: 'network', code: 'ECONNRESET', message: 'the connection closed before the answer was complete' });
        };
        res.on('error', cutOff);
        res.on('close', cutOff);
      });
      if (request.method === 'GET') req.end();
      else req.end(body);
    });
  }
}
