import { Controller, Get, HttpStatus, Inject, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { GATEWAY_LOGGER } from '../gateway.tokens';
import { Public } from '../identity/identity.decorators';
import { LivenessDto, ReadinessDto } from './health.dto';
import { ReadinessService } from './readiness.service';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  private readonly startedAt = Date.now();
  private cached?: { at: number; answer: Promise<ReadinessDto> };

  constructor(
    private readonly readiness: ReadinessService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'getLiveness', summary: 'Liveness: the gateway process answers' })
  @ApiOkResponse({ type: LivenessDto })
  live(): LivenessDto {
    return { status: 'ok', uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000) };
  }

  @Get('ready')
  @ApiOperation({
    operationId: 'getReadiness',
    summary: 'Readiness of the whole platform',
    description:
      'Statuses only: `down` names the services and dependencies that are down, without details (they go to the ' +
      "gateway's logs and to the internal listener's /health/ready). Answers are reused for a few seconds " +
      '(PUBLIC_READINESS_CACHE_MS).',
  })
  @ApiOkResponse({ type: ReadinessDto })
  @ApiServiceUnavailableResponse({ type: ReadinessDto, description: 'Something is down; `down` names it.' })
  async ready(@Req() req: FastifyRequest, @Res({ passthrough: true }) res: FastifyReply): Promise<ReadinessDto> {
    const result = this.readiness.shuttingDown ? { status: 'down' as const, down: ['gateway'] } : await this.publicAnswer(String(req.id));
    res.status(result.status === 'ok' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return result;
  }

  /** One check per PUBLIC_READINESS_CACHE_MS at most, whoever asks; concurrent callers share the one in flight. */
  private publicAnswer(correlationId: string): Promise<ReadinessDto> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < this.config.PUBLIC_READINESS_CACHE_MS) return this.cached.answer;
    const answer = this.readiness.check(correlationId).then((r) => {
      if (r.status !== 'ok') this.logger.warn({ down: r.down, services: r.services, dependencies: r.dependencies }, 'platform not ready');
      return { status: r.status, down: r.down };
    });
    this.cached = { at: now, answer };
    answer.catch(() => {
      if (this.cached?.answer === answer) this.cached = undefined;
    });
    return answer;
  }
}
