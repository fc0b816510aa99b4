import { createHash, hkdfSync } from 'node:crypto';
import { KEY_BYTES, open, SEAL_OVERHEAD_BYTES, seal } from './aes-gcm';

/** "LK" and format 1: a wrapped key that names the master key that wrapped it. */
const TAGGED_MAGIC = Buffer.from([0x4c, 0x4b, 0x01]);
const KEY_ID_BYTES = 8;
const TAGGED_HEADER_BYTES = TAGGED_MAGIC.length + KEY_ID_BYTES;
/** A 32-byte data key sealed without a header: the format written before key ids. */
const UNTAGGED_BYTES = SEAL_OVERHEAD_BYTES + KEY_BYTES;
const TAGGED_BYTES = TAGGED_HEADER_BYTES + UNTAGGED_BYTES;

/**
 * Who wrapped a wrapped key: `tagged` ones carry the id of their master key; `untagged` ones were written before
 * key ids existed and are tried with every configured master key.
 */
export type WrappedKeyOrigin = { format: 'tagged'; keyId: string } | { format: 'untagged' };

/**
 * What a wrapped key says about itself. The two formats differ in length (71 and 60 bytes, since only 32-byte
 * data keys are ever wrapped), so an untagged key whose random IV happens to start like a header is never misread.
 */
export function wrappedKeyOrigin(wrapped: Buffer): WrappedKeyOrigin {
  if (wrapped.length === TAGGED_BYTES && wrapped.subarray(0, TAGGED_MAGIC.length).equals(TAGGED_MAGIC))
    return { format: 'tagged', keyId: wrapped.subarray(TAGGED_MAGIC.length, TAGGED_HEADER_BYTES).toString('hex') };
  if (wrapped.length === UNTAGGED_BYTES) return { format: 'untagged' };
  throw new Error(`not a wrapped data key (${wrapped.length} bytes)`);
}

/**
 * One master key. It only wraps data keys, never data, so what it ever encrypted is a handful of 32-byte keys per
 * subject. The key itself cannot be read back, logged or serialised: only its id, the first 8 bytes of a
 * SHA-256 over it, which names it in wrapped keys, reports and logs without revealing it.
 */
export class MasterKey {
  readonly #key: Buffer;
  readonly id: string;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`the master key must be ${KEY_BYTES} bytes`);
    this.#key = Buffer.from(key);
    this.id = createHash('sha256').update('llmlab:master-key-id:').update(key).digest().subarray(0, KEY_ID_BYTES).toString('hex');
  }

  wrap(dataKey: Buffer, label: string): Buffer {
    if (dataKey.length !== KEY_BYTES) throw new Error(`only ${KEY_BYTES}-byte data keys are wrapped`);
    return Buffer.concat([TAGGED_MAGIC, Buffer.from(this.id, 'hex'), seal(this.#key, dataKey, wrapLabel(label))]);
  }

  /** The data key, from a tagged key of this master key or an untagged one; throws when it is not this key's. */
  unwrap(wrapped: Buffer, label: string): Buffer {
    const origin = wrappedKeyOrigin(wrapped);
    if (origin.format === 'tagged' && origin.keyId !== this.id)
      throw new Error(`${label} was wrapped by master key ${origin.keyId}, not ${this.id}`);
    return open(this.#key, origin.format === 'tagged' ? wrapped.subarray(TAGGED_HEADER_BYTES) : wrapped, wrapLabel(label));
  }

  /**
   * HKDF-SHA256 of the master key for one purpose: how the email lookup and signing-key encryption keys were
   * made before they became stored data keys. Only to adopt those keys once (they must survive a rotation,
   * because email hashes live in immutable events); never for anything new.
   */
  legacyDerive(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#key, Buffer.alloc(0), `llmlab:${purpose}`, KEY_BYTES));
  }

  toJSON(): { masterKeyId: string } {
    return { masterKeyId: this.id };
  }
}

function wrapLabel(label: string): string {
  return `wrap:${label}`;
}

/**
 * The configured master keys: the current one (`MASTER_ENCRYPTION_KEY`), which wraps every new data key, and
 * during a rotation the previous one (`MASTER_ENCRYPTION_KEY_PREVIOUS`), still accepted for unwrapping until
 * `npm run keys:rotate` has re-wrapped everything under the current one.
 */
export class MasterKeyRing {
  readonly keys: readonly MasterKey[];

  constructor(
    readonly current: MasterKey,
    readonly previous?: MasterKey,
  ) {
    this.keys = previous && previous.id !== current.id ? [current, previous] : [current];
  }

  static of(current: Buffer, previous?: Buffer): MasterKeyRing {
    return new MasterKeyRing(new MasterKey(current), previous ? new MasterKey(previous) : undefined);
  }

  wrap(dataKey: Buffer, label: string): Buffer {
    return this.current.wrap(dataKey, label);
  }

  /** The data key, with whichever configured master key wrapped it; throws naming the missing key id otherwise. */
  unwrap(wrapped: Buffer, label: string): Buffer {
    const origin = wrappedKeyOrigin(wrapped);
    if (origin.format === 'tagged') {
      const key = this.keys.find((k) => k.id === origin.keyId);
      if (!key) throw new Error(`${label} was wrapped by master key ${origin.keyId}, which is not configured (${this.describe()})`);
      return key.unwrap(wrapped, label);
    }
    for (const key of this.keys) {
      try {
        return key.unwrap(wrapped, label);
      } catch {
        // an untagged key names no master key: the next one may be it
      }
    }
    throw new Error(`${label} is untagged (written before key ids) and no configured master key opens it (${this.describe()})`);
  }

  /** The configured master key that opens an untagged or tagged key, if any (to find which key older data used). */
  opener(wrapped: Buffer, label: string): MasterKey | undefined {
    return this.keys.find((key) => {
      try {
        key.unwrap(wrapped, label);
        return true;
      } catch {
        return false;
      }
    });
  }

  /** Whether the wrapped key is already under the current master key, in the tagged format. */
  isCurrent(wrapped: Buffer): boolean {
    const origin = wrappedKeyOrigin(wrapped);
    return origin.format === 'tagged' && origin.keyId === this.current.id;
  }

  /** The same data key wrapped under the current master key, or undefined when it already is. */
  rewrap(wrapped: Buffer, label: string): Buffer | undefined {
    if (this.isCurrent(wrapped)) return undefined;
    return this.wrap(this.unwrap(wrapped, label), label);
  }

  /** Ids only: safe for logs and error messages. */
  describe(): string {
    return `current ${this.current.id}${this.keys[1] ? `, previous ${this.keys[1].id}` : ', no previous'}`;
  }

  toJSON(): { current: string; previous?: string } {
    return { current: this.current.id, ...(this.keys[1] ? { previous: this.keys[1].id } : {}) };
  }
}
