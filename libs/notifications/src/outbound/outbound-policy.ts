import { lookup } from 'node:dns/promises';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Turns a host name into every address a connection to it could reach. Injected in tests, so no test needs DNS. */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

/**
 * The resolver a connection would use anyway: `getaddrinfo` (hosts file, search domains, the cluster's DNS),
 * every answer, in the order the system gives them.
 */
export const systemResolver: HostResolver = async (hostname) => {
  const answers = await lookup(hostname, { all: true, verbatim: true });
  return answers.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

export interface OutboundPolicyOptions {
  /**
   * Origins (`scheme://host:port`, matched exactly) that are exempt from the scheme, address and official-host
   * rules: local receivers in tests (`http://127.0.0.1:43211`), a self-hosted Mattermost or an internal relay in
   * an on-premises install. An operator's setting, read from the environment: never fill it from tenant input.
   */
  trustedOrigins?: readonly string[];
  resolve?: HostResolver;
  /** One bound for the whole request: resolution, connect, TLS, sending and reading the answer. */
  timeoutMs?: number;
  /** Bytes of the answer kept; the rest is not read. */
  maxResponseBytes?: number;
}

export interface OutboundPolicy {
  readonly trustedOrigins: ReadonlySet<string>;
  readonly resolve: HostResolver;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;

const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443' };

/**
 * The key two URLs share when they point at the same origin, after the WHATWG parser has canonicalised the host
 * (`127.1` and `0x7f.1` are `127.0.0.1`) and without the one trailing dot a fully qualified name may carry.
 */
export function originKey(url: URL): string {
  const host = url.hostname.endsWith('.') ? url.hostname.slice(0, -1) : url.hostname;
  return `${url.protocol}//${host}:${url.port || DEFAULT_PORTS[url.protocol] || ''}`;
}

function trustedOriginKey(entry: string): string {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    throw new Error(`trusted origin "${entry}" is not a URL`);
  }
  // Named by scheme and host only: the start-up error is logged, and the rest of the entry may hold credentials.
  const shown = `${url.protocol}//${url.host}`;
  if (!(url.protocol in DEFAULT_PORTS)) throw new Error(`trusted origin "${shown}" must be http or https`);
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new Error(`trusted origin "${shown}" must be scheme://host[:port] only`);
  }
  return originKey(url);
}

/** Validates the settings once, so a typo in a trusted origin stops the service at start, not at delivery. */
export function createOutboundPolicy(options: OutboundPolicyOptions = {}): OutboundPolicy {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!(timeoutMs > 0)) throw new Error('timeoutMs must be positive');
  if (!(maxResponseBytes > 0)) throw new Error('maxResponseBytes must be positive');
  return {
    trustedOrigins: new Set((options.trustedOrigins ?? []).map(trustedOriginKey)),
    resolve: options.resolve ?? systemResolver,
    timeoutMs,
    maxResponseBytes,
  };
}
