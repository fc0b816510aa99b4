import { Readable, Transform, type TransformCallback } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import {
  ingestionSubjects,
  USAGE_IMPORT_MEDIA_TYPES,
  usageImportsBucket,
  type RequestContext,
  type UsageImportFormat,
  type UsageImportStatus,
} from '@llmlab/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { GATEWAY_LOGGER, GATEWAY_NATS } from '../gateway.tokens';
import { GatewayProblem } from '../http/problem';
import { ServiceClient } from '../messaging/service-client';

export interface UsageImportAccepted {
  importId: string;
  status: UsageImportStatus;
}

const ACCEPTED_TYPES = Object.keys(USAGE_IMPORT_MEDIA_TYPES).join(', ');

/** The upload grew past the limit while it was being stored. */
class UploadTooLarge extends Error {}

/**
 * `POST /v1/projects/{projectId}/usage/imports`: streams the upload into the JetStream object store (never whole in
 * memory; each chunk acknowledged by JetStream as it is written), then asks the ingestion service to queue its
 * import. A 202 therefore means the file is on disk in JetStream and its import is an event in the store.
 */
@Injectable()
export class UsageImportService {
  private bucket?: Promise<ObjectStore>;

  constructor(
    @Inject(GATEWAY_NATS) private readonly nats: NatsConnection,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
    private readonly client: ServiceClient,
  ) {}

  async upload(
    contentType: string | undefined,
    contentLength: string | undefined,
    body: unknown,
    caller: RequestContext,
  ): Promise<UsageImportAccepted> {
    const format = importFormat(contentType);
    if (!format || !(body instanceof Readable)) {
      throw new GatewayProblem(415, 'UNSUPPORTED_MEDIA_TYPE', `content-type: must be one of ${ACCEPTED_TYPES}`, [
        { field: 'content-type', message: `must be one of ${ACCEPTED_TYPES}` },
      ]);
    }
    const max = this.config.USAGE_IMPORT_MAX_BYTES;
    if (contentLength !== undefined && Number(contentLength) > max) {
      body.resume();
      throw tooLarge(max);
    }
    const importId = uuidv7();
    const store = await this.store();
    const counter = new ByteLimit(max);
    body.on('error', (err) => counter.destroy(err));
    try {
      await store.put(
        { name: importId, description: `usage import (${format})` },
        Readable.toWeb(body.pipe(counter)) as unknown as ReadableStream<Uint8Array>,
      );
    } catch (err) {
      if (counter.exceeded) {
        body.resume();
        throw tooLarge(max);
      }
      this.logger.warn({ importId, err: (err as Error).message }, 'usage import upload not stored');
      throw unavailable();
    }
    try {
      const view = await this.client.call(ingestionSubjects.startUsageImport, { importId, format, bytes: counter.bytes }, caller);
      return { importId: view.importId, status: view.status };
    } catch (err) {
      await store.delete(importId).catch(() => undefined);
      throw err;
    }
  }

  /** The bucket the ingestion service created at start; until it did, uploads are refused with 503. */
  private store(): Promise<ObjectStore> {
    this.bucket ??= new Objm(this.nats).open(usageImportsBucket(this.config.NATS_PREFIX || undefined)).catch((err: unknown) => {
      this.bucket = undefined;
      this.logger.warn({ err: (err as Error).message }, 'usage imports object store not available');
      throw unavailable();
    });
    return this.bucket;
  }
}

/** `text/csv; charset=utf-8` → csv; a type that is not an export's → undefined. */
export function importFormat(contentType: string | undefined): UsageImportFormat | undefined {
  const type = contentType?.split(';')[0].trim().toLowerCase();
  return type ? USAGE_IMPORT_MEDIA_TYPES[type] : undefined;
}

/** Passes bytes through and fails the stream once more than `max` have come. */
class ByteLimit extends Transform {
  bytes = 0;
  exceeded = false;

  constructor(private readonly max: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.max) {
      this.exceeded = true;
      done(new UploadTooLarge(`more than ${this.max} bytes`));
      return;
    }
    done(null, chunk);
  }
}

function tooLarge(max: number): GatewayProblem {
  const message = `must be at most ${max} bytes; split the file`;
  return new GatewayProblem(413, 'PAYLOAD_TOO_LARGE', `body: ${message}`, [{ field: 'body', message }]);
}

function unavailable(): GatewayProblem {
  return new GatewayProblem(503, 'IMPORT_UNAVAILABLE', 'the upload could not be stored; retry later', undefined, { 'Retry-After': '5' });
}

/**
 * Fastify content-type parsers for the import formats: the body is handed over as the request stream, unread,
 * so the route stores it chunk by chunk whatever its size (and Fastify's body limit does not apply to it).
 */
export function registerImportBodyParsers(fastify: {
  addContentTypeParser(
    types: string[],
    parser: (req: unknown, payload: Readable, done: (err: Error | null, body?: unknown) => void) => void,
  ): void;
}): void {
  fastify.addContentTypeParser(Object.keys(USAGE_IMPORT_MEDIA_TYPES), (_req, payload, done) => done(null, payload));
}
