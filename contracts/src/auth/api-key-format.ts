/**
 * API keys look like `llm_<env>_<body><checksum>`: `body` is 40 random base62 characters, `checksum` the CRC32
 * of everything before it in 6 base62 characters. The checksum lets the gateway (and secret scanners) refuse a
 * mistyped or made-up key without a lookup; the first characters of the body are the public prefix by which
 * the key is found, and only the key's SHA-256 is stored.
 */
export const API_KEY_ENVIRONMENTS = ['live', 'test'] as const;
export type ApiKeyEnvironment = (typeof API_KEY_ENVIRONMENTS)[number];

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const API_KEY_BODY_LENGTH = 40;
const CHECKSUM_LENGTH = 6;
/** Characters of the body shown in listings and used for the lookup. */
const PREFIX_BODY_LENGTH = 8;
const FORMAT = /^llm_(live|test)_([0-9A-Za-z]{46})$/;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) crc = CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function base62(value: number, width: number): string {
  let out = '';
  for (let v = value; out.length < width; v = Math.floor(v / 62)) out = BASE62[v % 62] + out;
  return out;
}

/** Turns random bytes (at least 40) into a key body of base62 characters. */
export function apiKeyBodyFrom(random: Uint8Array): string {
  if (random.length < API_KEY_BODY_LENGTH) throw new Error(`need ${API_KEY_BODY_LENGTH} random bytes`);
  // 248 of 256 byte values map evenly onto 62 characters (4 each); the rest are rejected to avoid bias.
  let body = '';
  for (const byte of random) {
    if (byte < 248) body += BASE62[byte % 62];
    if (body.length === API_KEY_BODY_LENGTH) return body;
  }
  throw new Error('not enough unbiased random bytes: pass more');
}

export function formatApiKey(environment: ApiKeyEnvironment, body: string): string {
  const head = `llm_${environment}_${body}`;
  return head + base62(crc32(head), CHECKSUM_LENGTH);
}

export interface ParsedApiKey {
  environment: ApiKeyEnvironment;
  /** `llm_<env>_` and the first 8 characters of the body: public, unique in practice, indexed. */
  prefix: string;
}

/** The key's parts when it is well formed and its checksum matches; undefined otherwise. */
export function parseApiKey(key: string): ParsedApiKey | undefined {
  const match = FORMAT.exec(key);
  if (!match) return undefined;
  const head = key.slice(0, key.length - CHECKSUM_LENGTH);
  if (base62(crc32(head), CHECKSUM_LENGTH) !== key.slice(-CHECKSUM_LENGTH)) return undefined;
  const environment = match[1] as ApiKeyEnvironment;
  return { environment, prefix: `llm_${environment}_${match[2].slice(0, PREFIX_BODY_LENGTH)}` };
}

/** Whether a bearer credential is meant as an API key rather than a JWT. */
export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith('llm_');
}
