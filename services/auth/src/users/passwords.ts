import { hash, verify, type Options } from '@node-rs/argon2';

/**
 * OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. argon2id is the library's default algorithm (its
 * `Algorithm` is a const enum, which per-file compilers cannot inline); the unit test checks the `$argon2id$` tag.
 */
const OPTIONS: Options = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** argon2id hashing. Verifying against a dummy hash keeps an unknown email as slow as a wrong password. */
export class Passwords {
  private dummy?: Promise<string>;

  hash(password: string): Promise<string> {
    return hash(password, OPTIONS);
  }

  /** False for a wrong password and for a missing hash alike, after the same amount of work. */
  async verify(hashed: string | undefined, password: string): Promise<boolean> {
    if (hashed === undefined) {
      this.dummy ??= this.hash('a password nobody has, hashed once to spend the same time');
      await verify(await this.dummy, password);
      return false;
    }
    return verify(hashed, password);
  }
}
