import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Metrics } from '@llmlab/health';
import { GATEWAY_METRICS } from '../gateway.tokens';
import { Public } from '../identity/identity.decorators';

/** Prometheus scrape endpoint; kept out of the public API document. */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(GATEWAY_METRICS) private readonly metrics: Metrics) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape() {
    return this.metrics.registry.metrics();
  }
}
