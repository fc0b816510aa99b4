import { createPublicKey, type KeyObject } from 'node:crypto';
import { authSubjects, type JwksView } from '@llmlab/contracts';
import type { Logger } from 'pino';
import { ServiceReplyError } from '../http/problem';
import type { ServiceClient } from '../messaging/service-client';

/**
 * The auth service's public signing keys, asked over NATS (`auth.query.jwks`) and kept in memory. They are re-read
 * before verifying when older than `maxAgeMs`: the auth service publishes a new key longer than that before it
 * signs with it, so a legitimate rotation never shows an unknown `kid`, and a key it stopped publishing stops
 * being accepted. An unknown `kid` still triggers a refresh, at most once per `minRefreshIntervalMs`.
 */
export class JwksCache {
  private keys = new Map<string, KeyObject>();
  private fetchedAt = 0;
  private inflight?: Promise<void>;

  constructor(
    private readonly client: ServiceClient,
    private readonly minRefreshIntervalMs: number,
    private readonly logger: Logger,
    private readonly maxAgeMs = 300_000,
  ) {}

  /** Loads the keys when none are known yet; throws the service's error when the auth service cannot answer. */
  async ready(correlationId: string): Promise<void> {
    if (this.fetchedAt === 0 || Date.now() - this.fetchedAt > this.maxAgeMs) await this.refresh(correlationId);
  }

  /** The key for `kid`, refreshing once if it is unknown and the last refresh is old enough; undefined if none. */
  async keyFor(kid: string, correlationId: string): Promise<KeyObject | undefined> {
    const known = this.keys.get(kid);
    if (known || Date.now() - this.fetchedAt < this.minRefreshIntervalMs) return known;
    await this.refresh(correlationId).catch((err: Error) => this.logger.warn({ err: err.message }, 'JWKS refresh failed'));
    return this.keys.get(kid);
  }

  private refresh(correlationId: string): Promise<void> {
    this.inflight ??= this.client
      .ask(authSubjects.jwks, {}, { correlationId })
      .then((reply) => {
        if (!reply.ok) throw new ServiceReplyError(reply.error);
        this.keys = toKeyObjects(reply.data);
        this.fetchedAt = Date.now();
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }
}

function toKeyObjects(jwks: JwksView): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const jwk of jwks.keys) {
    if (jwk.kty === 'RSA' && jwk.kid) keys.set(jwk.kid, createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }));
  }
  return keys;
}
