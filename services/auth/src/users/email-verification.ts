import { Inject, Injectable } from '@nestjs/common';
import {
  authStreams,
  rateLimitKey,
  type AuthEvent,
  type RequestContext,
  type ResendVerificationResult,
  type VerifyEmailRequest,
  UserErrorCode,
} from '@llmlab/contracts';
import { WriteEffects } from '@llmlab/messaging';
import { CommandRunner, LOGGER, metadataFromContext, PG_POOL, REDIS, SERVICE_CONFIG } from '@llmlab/service-kit';
import { openField, SubjectKeyStore } from '@llmlab/crypto';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { AuthConfig } from '../auth.config';
import { EmailTokens } from '../mail/email-tokens';
import { Mailer } from '../mail/mailer';
import { actingUser } from '../shared/acting-user';
import { userDecider } from './user.decider';
import { UserError, verificationTokenInvalid } from './user.errors';

const HOUR_S = 3600;

/**
 * Email verification: a single-use, expiring link mailed at signup (and again on request, a few times per hour per
 * account and per client IP). Verifying is what it takes to join someone else's organization; an unverified user
 * uses their own organization normally.
 */
@Injectable()
export class EmailVerification {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: AuthConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly runner: CommandRunner,
    private readonly effects: WriteEffects<AuthEvent>,
    private readonly subjectKeys: SubjectKeyStore,
    private readonly tokens: EmailTokens,
    private readonly mailer: Mailer,
  ) {}

  /** Mails a new verification link to the user's address. */
  async send(userId: string, email: string, now: Date): Promise<void> {
    const ttlHours = this.config.EMAIL_VERIFICATION_TTL_HOURS;
    const token = await this.tokens.issue('verify-email', userId, ttlHours * HOUR_S * 1000, now);
    const link = `${this.config.APP_URL.replace(/\/$/, '')}/verify-email?token=${encodeURIComponent(token)}`;
    await this.mailer.send({
      template: 'verify-email',
      to: email,
      subject: 'Verify your email address for LLMLab',
      text:
        `Confirm that this address is yours by opening this link:\n${link}\n\n` +
        `The link works once and expires in ${ttlHours} hours. If you did not sign up for LLMLab, ignore this mail.\n`,
    });
  }

  async verify(request: VerifyEmailRequest): Promise<Record<string, never>> {
    const now = new Date();
    const userId = await this.tokens.consume('verify-email', request.token, now);
    if (!userId) throw verificationTokenInvalid();
    const result = await this.runner.run(
      authStreams.user(userId),
      userDecider,
      { type: 'VerifyEmail', data: { userId, method: 'verification-link', at: now.toISOString() } },
      { metadata: metadataFromContext({ actor: { type: 'user', id: userId } }) },
    );
    // The other links of the user (earlier mails) have nothing left to do.
    await this.tokens.retire(userId, now);
    await this.effects.settle(result.position, result.events);
    return {};
  }

  async resend(context: RequestContext): Promise<ResendVerificationResult> {
    const userId = actingUser(context);
    const now = new Date();
    const { state } = await this.runner.load(authStreams.user(userId), userDecider);
    if (!state.registered || state.erased) throw new UserError(UserErrorCode.NotFound, 'user not found');
    if (state.emailVerified) throw new UserError(UserErrorCode.AlreadyVerified, 'the email address is verified already');
    const retryAfterSeconds = await this.count(userId, context.ip, now);
    if (retryAfterSeconds > 0) return { throttled: true, retryAfterSeconds };
    const { rows } = await this.pool.query<{ email_ciphertext: string }>(`SELECT email_ciphertext FROM auth.users WHERE id = $1`, [userId]);
    if (!rows.length) throw new UserError(UserErrorCode.NotFound, 'user not found');
    const key = (await this.subjectKeys.getMany([userId])).get(userId);
    await this.send(userId, openField(key, userId, 'email', rows[0].email_ciphertext), now);
    return { throttled: false };
  }

  /**
   * Counts the request against the account's and the IP's hourly allowance, atomically before anything is sent;
   * the seconds until the window ends when either is spent, else 0. Without Redis nothing is sent (fails closed).
   */
  private async count(userId: string, ip: string | undefined, now: Date): Promise<number> {
    const seconds = Math.floor(now.getTime() / 1000);
    const window = Math.floor(seconds / HOUR_S);
    const resetIn = (window + 1) * HOUR_S - seconds;
    const ns = this.config.NATS_PREFIX;
    const account = rateLimitKey(ns, `verify-resend:account:${userId}`, window);
    const client = ip ? rateLimitKey(ns, `verify-resend:ip:${ip}`, window) : undefined;
    try {
      const multi = this.redis
        .multi()
        .incr(account)
        .expire(account, resetIn + 1);
      if (client) multi.incr(client).expire(client, resetIn + 1);
      const replies = (await multi.exec()) ?? [];
      const accountCount = Number(replies[0]?.[1] ?? 0);
      const clientCount = client ? Number(replies[2]?.[1] ?? 0) : 0;
      const over =
        accountCount > this.config.VERIFICATION_RESEND_PER_ACCOUNT_PER_HOUR ||
        clientCount > this.config.VERIFICATION_RESEND_PER_IP_PER_HOUR;
      return over ? resetIn : 0;
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'verification resend limit unavailable (Redis): nothing sent');
      return 60;
    }
  }
}
