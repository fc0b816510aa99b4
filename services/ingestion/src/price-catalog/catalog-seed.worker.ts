import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { BackgroundWorker } from '@llmlab/service-kit';
import { PriceCatalogHandler } from './price-catalog.handler';

/** Seeds the catalog from the bundled genai-prices data on the first start; the other workers price with it. */
@Injectable()
export class CatalogSeedWorker implements BackgroundWorker {
  readonly name = 'price catalog seed';

  constructor(private readonly catalog: PriceCatalogHandler) {}

  start(): Promise<void> {
    return this.catalog.seedIfEmpty({ actor: { type: 'system', id: 'ingestion' }, correlationId: randomUUID() });
  }

  async stop(): Promise<void> {
    // Done once it started: nothing keeps running.
  }
}
