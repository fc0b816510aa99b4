import { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { jetstream, StorageType } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { usageImportsBucket } from '@llmlab/contracts';
import { RUNTIME, SERVICE_CONFIG, type ServiceRuntime } from '@llmlab/service-kit';
import type { IngestionConfig } from '../ingestion.config';

/**
 * The JetStream object store the gateway writes uploads to (file storage, the streams' replicas); the importer
 * reads an upload, then deletes it. Created here, at start: the gateway only opens it. An upload not imported
 * within `USAGE_IMPORT_RETENTION_DAYS` expires, and so do the chunks of an upload refused midway (413).
 */
@Injectable()
export class UsageImportObjects {
  private bucket?: Promise<ObjectStore>;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(SERVICE_CONFIG) private readonly config: IngestionConfig,
  ) {}

  /**
   * The upload's bytes as a stream that reads ahead at most a few chunks: the object store's own `get` pushes
   * every chunk into its stream as fast as JetStream delivers them, which would hold a large file in memory while
   * the importer is slower. Null when the object is gone. The byte count is checked at the end.
   */
  async read(importId: string): Promise<Readable | null> {
    const info = await (await this.store()).info(importId);
    if (!info || info.deleted) return null;
    const { size, nuid } = info;
    const bucket = usageImportsBucket(this.runtime.streams.prefix);
    const js = jetstream(this.runtime.nats);
    async function* chunks(): AsyncGenerator<Uint8Array> {
      if (size === 0) return;
      // An ordered consumer on the object's chunk subject (one subject: NATS 2.9 has no multi-subject filters),
      // pulling a few chunks at a time as they are taken.
      const consumer = await js.consumers.get(`OBJ_${bucket}`, { filter_subjects: `$O.${bucket}.C.${nuid}` });
      const messages = await consumer.consume({ max_messages: 4 });
      let bytes = 0;
      try {
        for await (const message of messages) {
          bytes += message.data.length;
          yield message.data;
          if (message.info.pending === 0) break;
        }
      } finally {
        await messages.close();
      }
      if (bytes !== size) throw new Error(`the stored upload has ${bytes} bytes where ${size} were written`);
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  store(): Promise<ObjectStore> {
    this.bucket ??= new Objm(this.runtime.nats)
      .create(usageImportsBucket(this.runtime.streams.prefix), {
        storage: StorageType.File,
        replicas: this.config.NATS_STREAM_REPLICAS,
        ttl: nanos(this.config.USAGE_IMPORT_RETENTION_DAYS * 86_400_000),
        description: 'usage files uploaded for import, kept until imported',
      })
      .catch((err: unknown) => {
        this.bucket = undefined;
        throw err;
      });
    return this.bucket;
  }
}
