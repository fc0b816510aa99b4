import * as argon2 from 'argon2';

/** OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** argon2id hashing. Verifying against a dummy hash keeps an unknown email as slow as a wrong password. */
export class Passwords {
  private dummy?: Promise<string>;

  hash(password: string): Promise<string> {
    return argon2.hash(password, OPTIONS);
  }

  /** False for a wrong password and for a missing hash alike, after the same amount of work. */
  async verify(hash: string | undefined, password: string): Promise<boolean> {
    if (hash === undefined) {
      this.dummy ??= this.hash('a password nobody has, hashed once to spend the same time');
      await argon2.verify(await this.dummy, password);
      return false;
    }
    return argon2.verify(hash, password);
  }
}
