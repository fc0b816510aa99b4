import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ingestionSubjects } from '@llmlab/contracts';
import { projectScope } from '@llmlab/domain';
import { serveChunkStreams, type ChunkStreamServer, type ChunkStreamServerOptions } from '@llmlab/messaging';
import { RUNTIME, type ServiceRuntime } from '@llmlab/service-kit';
import { CostQueries } from './cost.queries';
import { EXPORT_CHUNK_BYTES, UsageExporter } from './usage-export';

/**
 * Serves the usage records as chunk streams (libs/messaging, chunk-stream.ts) in the service's queue group: a page of
 * records (`ingestion.query.usage-records`, the bytes of its JSON) and the export (`ingestion.query.usage-export`).
 * On shutdown the open streams fail (the gateway answers an error or aborts the transfer) and release their
 * connections.
 */
@Injectable()
export class UsageRecordsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private servers: ChunkStreamServer[] = [];

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly queries: CostQueries,
    private readonly exporter: UsageExporter,
  ) {}

  onApplicationBootstrap(): void {
    const { logger } = this.runtime;
    const options: ChunkStreamServerOptions = {
      prefix: this.runtime.config.NATS_PREFIX,
      queue: this.runtime.name,
      log: (level, message, err) => logger[level]({ err: err instanceof Error ? err.message : err }, message),
    };
    this.servers = [
      serveChunkStreams(this.runtime.nats, ingestionSubjects.usageRecords, options, async (request, context) =>
        chunksOf(await this.queries.usageRecords(projectScope(context), request)),
      ),
      serveChunkStreams(this.runtime.nats, ingestionSubjects.usageExport, options, (request, context) =>
        this.exporter.open(projectScope(context), request),
      ),
    ];
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.stop()));
  }
}

/** A page's bytes in chunks that each fit in a NATS message (views of the buffer, no copies). */
async function* chunksOf(bytes: Buffer): AsyncGenerator<Uint8Array> {
  for (let start = 0; start < bytes.length; start += EXPORT_CHUNK_BYTES) yield bytes.subarray(start, start + EXPORT_CHUNK_BYTES);
}
