import { classifyAddress, type AddressVerdict } from './ip-address';
import { originKey, type OutboundPolicy, type ResolvedAddress } from './outbound-policy';

/** Where a channel type may send, unless the origin is trusted: Slack only to its webhook host, and so on. */
export interface DestinationRule {
  /** Host names, lower case, without a trailing dot. */
  readonly hosts: readonly string[];
  readonly path: RegExp;
  /** How the rule reads in an error message: "a Slack incoming-webhook URL (https://hooks.slack.com/services/…)". */
  readonly description: string;
}

export type UrlRefusalReason =
  /** Not a URL, or longer than `MAX_URL_LENGTH`. */
  | 'invalid-url'
  /** Not https, and the origin is not trusted. */
  | 'scheme'
  /** `user:password@` in the URL: never needed by a webhook, and the classic way to disguise the real host. */
  | 'credentials'
  /** Off the channel type's official host or path. */
  | 'destination'
  /** The host is, or resolves to, an address that is not public. */
  | 'forbidden-address'
  /** The name did not resolve (now): at registration a mistake, at delivery possibly transient. */
  | 'unresolvable';

export type UrlCheckResult =
  | {
      ok: true;
      url: URL;
      /** Every address the host resolved to, all checked; a connection must use one of these and nothing else. */
      addresses: ResolvedAddress[];
      trusted: boolean;
    }
  | { ok: false; reason: UrlRefusalReason; message: string };

export const MAX_URL_LENGTH = 2048;

const refuse = (reason: UrlRefusalReason, message: string): UrlCheckResult => ({ ok: false, reason, message });

function describeVerdict(host: string, verdict: AddressVerdict): string {
  const label = verdict.class === 'shared' ? 'shared (carrier-grade NAT)' : verdict.class;
  const via = verdict.embeddedIPv4 ? ` (it carries the IPv4 address ${verdict.embeddedIPv4})` : '';
  const subject = host === verdict.address ? verdict.address : `${host} resolves to ${verdict.address}, which`;
  return `${subject} is a ${label} address${via}; only public addresses may be called`;
}

function isLocalhostName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

/**
 * Decides whether a notification may be sent to `rawUrl`, resolving its host and judging every address it
 * resolves to. Runs when a channel is registered and again before every request; the request then connects to
 * one of `addresses` only (see `OutboundClient`), so a DNS answer that changes in between cannot redirect it.
 * Messages name the host, never the full URL: webhook URLs carry their secret in the path.
 */
export async function checkUrl(rawUrl: string, policy: OutboundPolicy, rule?: DestinationRule): Promise<UrlCheckResult> {
  if (rawUrl.length > MAX_URL_LENGTH) return refuse('invalid-url', `the URL is longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return refuse('invalid-url', 'not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return refuse('scheme', 'the URL must use https');
  if (url.username || url.password) return refuse('credentials', 'the URL must not contain a user name or password');

  const trusted = policy.trustedOrigins.has(originKey(url));
  if (!trusted && url.protocol !== 'https:') return refuse('scheme', 'the URL must use https');

  const host = url.hostname.endsWith('.') ? url.hostname.slice(0, -1) : url.hostname;
  if (!trusted && rule && (!rule.hosts.includes(host) || url.port !== '' || !rule.path.test(url.pathname))) {
    return refuse('destination', `the URL must be ${rule.description}`);
  }

  const literal = classifyAddress(host);
  if (literal) {
    if (!trusted && literal.class !== 'public') return refuse('forbidden-address', describeVerdict(host, literal));
    return { ok: true, url, addresses: [{ address: literal.address, family: literal.family }], trusted };
  }
  if (!trusted && isLocalhostName(host)) {
    return refuse('forbidden-address', `${host} is a loopback name; only public addresses may be called`);
  }

  let addresses: ResolvedAddress[];
  try {
    addresses = await policy.resolve(host);
  } catch {
    return refuse('unresolvable', `${host} does not resolve`);
  }
  if (addresses.length === 0) return refuse('unresolvable', `${host} does not resolve`);
  for (const { address } of addresses) {
    const verdict = classifyAddress(address);
    if (!verdict) return refuse('forbidden-address', `${host} resolves to "${address}", which is not an IP address`);
    if (!trusted && verdict.class !== 'public') return refuse('forbidden-address', describeVerdict(host, verdict));
  }
  return { ok: true, url, addresses, trusted };
}
