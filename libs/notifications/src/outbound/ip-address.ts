import { isIPv4, isIPv6 } from 'node:net';

/** Why an address may or may not be the target of an outbound request; only `public` may. */
export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'metadata'
  | 'multicast'
  | 'broadcast'
  | 'documentation'
  | 'reserved';

export interface AddressVerdict {
  /** The address as it was judged, in canonical text form (`127.0.0.1`, `::ffff:7f00:1`). */
  address: string;
  family: 4 | 6;
  class: AddressClass;
  /** The IPv4 address carried inside an IPv6 one (mapped, compatible, NAT64, 6to4), which decided the class. */
  embeddedIPv4?: string;
}

interface Range {
  bytes: readonly number[];
  prefix: number;
  class: AddressClass;
}

const range = (bytes: number[], prefix: number, cls: AddressClass): Range => ({ bytes, prefix, class: cls });

/**
 * IANA's IPv4 special-purpose registry, reduced to what must never receive a webhook. More specific ranges come
 * first: the metadata endpoints sit inside link-local and shared space and deserve their own message.
 */
const IPV4_RANGES: readonly Range[] = [
  range([169, 254, 169, 254], 32, 'metadata'),
  range([100, 100, 100, 200], 32, 'metadata'),
  range([255, 255, 255, 255], 32, 'broadcast'),
  range([0, 0, 0, 0], 8, 'unspecified'),
  range([10, 0, 0, 0], 8, 'private'),
  range([100, 64, 0, 0], 10, 'shared'),
  range([127, 0, 0, 0], 8, 'loopback'),
  range([169, 254, 0, 0], 16, 'link-local'),
  range([172, 16, 0, 0], 12, 'private'),
  range([192, 0, 0, 0], 24, 'reserved'),
  range([192, 0, 2, 0], 24, 'documentation'),
  range([192, 88, 99, 0], 24, 'reserved'),
  range([192, 168, 0, 0], 16, 'private'),
  range([198, 18, 0, 0], 15, 'reserved'),
  range([198, 51, 100, 0], 24, 'documentation'),
  range([203, 0, 113, 0], 24, 'documentation'),
  range([224, 0, 0, 0], 4, 'multicast'),
  range([240, 0, 0, 0], 4, 'reserved'),
];

const IPV6_RANGES: readonly Range[] = [
  range([0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54], 128, 'metadata'),
  range([0x01, 0x00], 64, 'reserved'),
  range([0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], 48, 'reserved'),
  range([0x20, 0x01, 0x0d, 0xb8], 32, 'documentation'),
  range([0x3f, 0xff], 20, 'documentation'),
  // IETF protocol assignments: Teredo (which hides an IPv4 address we could not vet), ORCHID, benchmarking.
  range([0x20, 0x01], 23, 'reserved'),
  range([0xfc], 7, 'private'),
  range([0xfe, 0x80], 10, 'link-local'),
  range([0xfe, 0xc0], 10, 'private'),
  range([0xff], 8, 'multicast'),
];

function inRange(bytes: Uint8Array, r: Range): boolean {
  let bits = r.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i] & mask) !== ((r.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

function classifyIPv4(bytes: Uint8Array): AddressClass {
  return IPV4_RANGES.find((r) => inRange(bytes, r))?.class ?? 'public';
}

function ipv4Text(bytes: Uint8Array): string {
  return Array.from(bytes).join('.');
}

/**
 * The IPv4 address an IPv6 address stands for, when it is one of the forms a dual-stack socket or a translator
 * turns into an IPv4 connection: `::ffff:a.b.c.d` (mapped), `::ffff:0:a.b.c.d` (translated), `::a.b.c.d`
 * (compatible, deprecated), `64:ff9b::a.b.c.d` (NAT64) and `2002:aabb:ccdd::/48` (6to4).
 */
function embeddedIPv4(bytes: Uint8Array): Uint8Array | undefined {
  const zero = (from: number, to: number) => bytes.subarray(from, to).every((b) => b === 0);
  if (zero(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.subarray(12, 16);
  if (zero(0, 8) && bytes[8] === 0xff && bytes[9] === 0xff && zero(10, 12)) return bytes.subarray(12, 16);
  if (zero(0, 12)) return bytes.subarray(12, 16);
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zero(4, 12)) {
    return bytes.subarray(12, 16);
  }
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return bytes.subarray(2, 6);
  return undefined;
}

function classifyIPv6(bytes: Uint8Array): { class: AddressClass; embeddedIPv4?: string } {
  if (bytes.every((b) => b === 0)) return { class: 'unspecified' };
  if (bytes.subarray(0, 15).every((b) => b === 0) && bytes[15] === 1) return { class: 'loopback' };
  const embedded = embeddedIPv4(bytes);
  if (embedded) return { class: classifyIPv4(embedded), embeddedIPv4: ipv4Text(embedded) };
  const special = IPV6_RANGES.find((r) => inRange(bytes, r));
  if (special) return { class: special.class };
  // Only 2000::/3 is allocated for global unicast; anything else outside the ranges above is unassigned.
  return { class: (bytes[0] & 0xe0) === 0x20 ? 'public' : 'reserved' };
}

function parseIPv4(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

function parseIPv6(text: string): Uint8Array {
  const bytes = new Uint8Array(16);
  let head = text;
  let tailIPv4: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tailIPv4 = parseIPv4(text.slice(lastColon + 1));
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const [left, right] = head.split('::') as [string, string | undefined];
  const groups = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const leftGroups = groups(left);
  const rightGroups = groups(right);
  const all = [...leftGroups, ...new Array(8 - leftGroups.length - rightGroups.length).fill(0), ...rightGroups];
  all.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  if (tailIPv4) bytes.set(tailIPv4, 12);
  return bytes;
}

/**
 * Judges a literal IP address (brackets and a zone index are tolerated). Returns `undefined` when the text is
 * not an IP address at all. Host names are never passed here: they are resolved first, and every address they
 * resolve to is judged.
 */
export function classifyAddress(text: string): AddressVerdict | undefined {
  let address = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  address = address.split('%')[0];
  if (isIPv4(address)) return { address, family: 4, class: classifyIPv4(parseIPv4(address)) };
  if (isIPv6(address)) return { address, family: 6, ...classifyIPv6(parseIPv6(address)) };
  return undefined;
}
