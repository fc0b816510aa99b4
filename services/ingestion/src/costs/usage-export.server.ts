import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ingestionSubjects } from '@llmlab/contracts';
import { projectScope } from '@llmlab/domain';
import { serveChunkStreams, type ChunkStreamServer } from '@llmlab/messaging';
import { RUNTIME, type ServiceRuntime } from '@llmlab/service-kit';
import { UsageExporter } from './usage-export';

/**
 * Serves `ingestion.query.usage-export` as a chunk stream (libs/messaging, chunk-stream.ts) in the service's queue
 * group; on shutdown the open exports fail (the gateway aborts their transfers) and release their connections.
 */
@Injectable()
export class UsageExportServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: ChunkStreamServer;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly exporter: UsageExporter,
  ) {}

  onApplicationBootstrap(): void {
    const { logger } = this.runtime;
    this.server = serveChunkStreams(
      this.runtime.nats,
      ingestionSubjects.usageExport,
      {
        prefix: this.runtime.config.NATS_PREFIX,
        queue: this.runtime.name,
        log: (level, message, err) => logger[level]({ err: err instanceof Error ? err.message : err }, message),
      },
      (request, context) => this.exporter.open(projectScope(context), request),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server?.stop();
  }
}
