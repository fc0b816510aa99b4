import { Inject, Injectable } from '@nestjs/common';
import { StorageType } from '@nats-io/jetstream';
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
