import { Inject, Injectable } from '@nestjs/common';
import type { ConsumerHandle } from '@llmlab/messaging';
import { RUNTIME, runProjection, type BackgroundWorker, type ServiceRuntime } from '@llmlab/service-kit';
import { AuditIndexProjection } from './audit-index.projection';

/** Feeds the audit index from every context's events (`events.>`), in order, one at a time. */
@Injectable()
export class AuditIndexWorker implements BackgroundWorker {
  readonly name = 'audit-index consumer';
  private handle?: ConsumerHandle;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly projection: AuditIndexProjection,
  ) {}

  async start(): Promise<void> {
    this.handle = await runProjection(this.runtime, 'audit-index', 'events.>', async (event) => {
      await this.projection.apply(event);
    });
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
  }
}
