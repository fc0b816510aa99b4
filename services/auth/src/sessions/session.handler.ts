import { Inject, Injectable } from '@nestjs/common';
import {
  authStreams,
  type LoginRequest,
  type LoginResult,
  type RefreshRequest,
  type RequestContext,
  type TokenPair,
} from '@llmlab/contracts';
import { metadataFromContext, PG_POOL, CommandRunner } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { EmailLookup } from '@llmlab/crypto';
import { currentContext } from '@llmlab/logging';
import { Passwords } from '../users/passwords';
import { AccessTokens } from './access-tokens';
import { LoginFailures } from './login-failures';
import { LoginThrottle } from './login-throttle';
import { RefreshTokens } from './refresh-tokens';
import { sessionDecider } from './session.decider';
import { invalidCredentials, invalidRefreshToken } from './session.errors';

const asUser = (userId: string) => metadataFromContext({ actor: { type: 'user', id: userId } });

/** Sessions: login, refresh-token rotation with reuse detection, logout. */
@Injectable()
export class SessionHandler {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly runner: CommandRunner,
    private readonly lookup: EmailLookup,
    private readonly passwords: Passwords,
    private readonly throttle: LoginThrottle,
    private readonly accessTokens: AccessTokens,
    private readonly refreshTokens: RefreshTokens,
    private readonly failures: LoginFailures,
  ) {}

  /** A new session (refresh-token family) and its first token pair. */
  async start(userId: string, method: 'signup' | 'login', now: Date): Promise<{ tokens: TokenPair; position?: number }> {
    const sessionId = uuidv7();
    const ctx = currentContext();
    const refreshToken = await this.refreshTokens.startFamily(sessionId, userId, now, { ip: ctx?.ip, userAgent: ctx?.userAgent });
    const started = await this.runner.run(
      authStreams.session(sessionId),
      sessionDecider,
      { type: 'StartSession', data: { sessionId, userId, method, at: now.toISOString() } },
      { metadata: asUser(userId) },
    );
    const access = await this.accessTokens.issue(userId, now);
    return {
      tokens: { accessToken: access.token, refreshToken, tokenType: 'Bearer', expiresIn: access.expiresIn },
      position: started.position,
    };
  }

  async login(request: LoginRequest, context: RequestContext): Promise<LoginResult> {
    const now = new Date();
    const emailHash = this.lookup.hash(request.email);
    // Counted before argon2 runs: parallel guesses each take a slot, so no more than the limit are ever checked.
    const retryAfterSeconds = await this.throttle.attempt(emailHash, context.ip, now);
    if (retryAfterSeconds > 0) return { throttled: true, retryAfterSeconds };
    const { rows } = await this.pool.query<{ id: string; password_hash: string }>(
      `SELECT u.id, c.password_hash FROM auth.users u JOIN auth.credentials c ON c.user_id = u.id WHERE u.email_hash = $1`,
      [emailHash],
    );
    const user = rows[0];
    if (!(await this.passwords.verify(user?.password_hash, request.password))) {
      await this.failures.record(user?.id ?? null, now);
      throw invalidCredentials();
    }
    await this.throttle.recordSuccess(emailHash, context.ip, now);
    const session = await this.start(user.id, 'login', now);
    return { throttled: false, tokens: session.tokens };
  }

  async refresh(request: RefreshRequest): Promise<TokenPair> {
    const now = new Date();
    const rotation = await this.refreshTokens.rotate(request.refreshToken, now);
    if (rotation.outcome === 'invalid') throw invalidRefreshToken();
    const stream = authStreams.session(rotation.sessionId);
    if (rotation.outcome === 'reused') {
      if (rotation.revokedNow) {
        await this.runner.run(
          stream,
          sessionDecider,
          { type: 'RevokeSession', data: { reason: 'refresh_token_reuse', at: now.toISOString() } },
          { metadata: asUser(rotation.userId) },
        );
      }
      throw invalidRefreshToken();
    }
    await this.runner.run(
      stream,
      sessionDecider,
      { type: 'RecordRefresh', data: { at: now.toISOString() } },
      { metadata: asUser(rotation.userId) },
    );
    const access = await this.accessTokens.issue(rotation.userId, now);
    return { accessToken: access.token, refreshToken: rotation.refreshToken, tokenType: 'Bearer', expiresIn: access.expiresIn };
  }

  /** Erasure: every session of the user revoked (one `SessionRevoked` each) and deleted with its tokens. */
  async eraseAllOf(userId: string, now: Date): Promise<number | undefined> {
    let position: number | undefined;
    for (const sessionId of await this.refreshTokens.eraseAllOf(userId, now)) {
      const revoked = await this.runner.run(
        authStreams.session(sessionId),
        sessionDecider,
        { type: 'RevokeSession', data: { reason: 'erasure', at: now.toISOString() } },
        { metadata: asUser(userId) },
      );
      position = revoked.position ?? position;
    }
    return position;
  }

  /** Revokes the token's whole family. An unknown token is not an error: the session is over either way. */
  async logout(request: RefreshRequest): Promise<Record<string, never>> {
    const now = new Date();
    const revoked = await this.refreshTokens.revokeFamilyOf(request.refreshToken, now);
    if (revoked?.revokedNow) {
      await this.runner.run(
        authStreams.session(revoked.sessionId),
        sessionDecider,
        { type: 'RevokeSession', data: { reason: 'logout', at: now.toISOString() } },
        { metadata: asUser(revoked.userId) },
      );
    }
    return {};
  }
}
