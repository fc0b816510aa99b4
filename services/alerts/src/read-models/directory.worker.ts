import { Inject, Injectable } from '@nestjs/common';
import type { ConsumerHandle } from '@llmlab/messaging';
import { RUNTIME, type BackgroundWorker, type ServiceRuntime, runEventConsumer } from '@llmlab/service-kit';
import { DirectoryProjection } from './directory.projection';

/** Feeds the names of organizations and projects from the auth service's events (`events.auth.>`). */
@Injectable()
export class DirectoryWorker implements BackgroundWorker {
  readonly name = 'alerts-directory consumer';
  private handle?: ConsumerHandle;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly projection: DirectoryProjection,
  ) {}

  async start(): Promise<void> {
    this.handle = await runEventConsumer(this.runtime, 'alerts-directory', 'events.auth.>', async (event) => {
      await this.projection.apply(event);
    });
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
  }
}
