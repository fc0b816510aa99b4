import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { GATEWAY_LOGGER, GATEWAY_REDIS } from '../gateway.tokens';
import { GatewayProblem } from '../http/problem';
import { forbidden } from '../identity/identity.errors';
import { RateLimiter } from '@llmlab/api-keys';

/**
 * Who may refresh the shared price catalog beyond the route's role (owners and admins): the operator organizations
 * when `PRICING_ADMIN_ORGANIZATIONS` names some, and no organization more than
 * `RATE_LIMIT_PRICING_REFRESH_PER_HOUR` times an hour, since one refresh changes prices for every tenant and may
 * fetch the remote dataset.
 */
@Injectable()
export class PricingRefreshPolicy {
  private readonly limiter: RateLimiter;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_REDIS) redis: Redis,
    @Inject(GATEWAY_LOGGER) logger: Logger,
  ) {
    this.limiter = new RateLimiter(redis, config.NATS_PREFIX, logger);
  }

  async admit(organizationId: string): Promise<void> {
    const operators = this.config.PRICING_ADMIN_ORGANIZATIONS;
    if (operators.length > 0 && !operators.includes(organizationId.toLowerCase())) {
      throw forbidden("refreshing the shared price catalog is reserved to the platform operator's organizations");
    }
    const result = await this.limiter.hit(`pricing-refresh:org:${organizationId}`, this.config.RATE_LIMIT_PRICING_REFRESH_PER_HOUR);
    if (!result.allowed) {
      throw new GatewayProblem(
        429,
        'RATE_LIMITED',
        `at most ${result.limit} price catalog refreshes per hour; retry in ${result.resetSeconds} s`,
        undefined,
        { 'Retry-After': String(result.resetSeconds) },
      );
    }
  }
}
