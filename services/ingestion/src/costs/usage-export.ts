import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { MessagingErrorCode, USAGE_IMPORT_FORMATS, type FieldError, type UsageExportRequest } from '@llmlab/contracts';
import { CodedError, type ProjectScope } from '@llmlab/domain';
import { PG_POOL, SERVICE_CONFIG } from '@llmlab/service-kit';
import { validationFailed } from '../ingestion.errors';
import type { IngestionConfig } from '../ingestion.config';
import { checkRange, checkStatus } from './cost.queries';
import { ExportLineEncoder, ExportRowDecoder, type RowHandler } from './usage-export.encoding';
import { usageRecordsCopy } from './usage-record.repository';

/** Bytes of output gathered into one chunk of the stream (a record may take it a little past). */
export const EXPORT_CHUNK_BYTES = 128 * 1024;

/**
 * The usage export of one project: one `COPY (SELECT ...) TO STDOUT (FORMAT binary)` of the range, newest first,
 * decoded and written as CSV or JSON Lines here, in chunks. The COPY is read only as fast as the chunks are taken
 * (the stream's credit, then the socket's back-pressure stop it), so memory holds a chunk or two whatever the size.
 * Each export holds a database connection while it runs: at most USAGE_EXPORT_CONCURRENCY at once per process.
 */
@Injectable()
export class UsageExporter {
  private running = 0;
  private readonly concurrency: number;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SERVICE_CONFIG) config: Pick<IngestionConfig, 'USAGE_EXPORT_CONCURRENCY'>,
  ) {
    this.concurrency = config.USAGE_EXPORT_CONCURRENCY;
  }

  /** Checks the request (a refusal comes before any byte), then the file's chunks. */
  async open(scope: ProjectScope, request: UsageExportRequest): Promise<AsyncIterableIterator<Uint8Array>> {
    const errors: FieldError[] = [];
    const range = checkRange(request, errors);
    checkStatus(request.status, errors);
    if (!(USAGE_IMPORT_FORMATS as readonly unknown[]).includes(request.format)) {
      errors.push({ field: '/format', message: `must be one of ${USAGE_IMPORT_FORMATS.join(', ')}` });
    }
    for (const field of ['model', 'userId'] as const) {
      if (request[field] !== undefined && typeof request[field] !== 'string')
        errors.push({ field: `/${field}`, message: 'must be a string' });
    }
    if (errors.length > 0) throw validationFailed(errors);
    if (this.running >= this.concurrency) {
      throw new CodedError(MessagingErrorCode.ServiceUnavailable, 'too many usage exports are running; retry later');
    }
    const sql = usageRecordsCopy(scope, range, request);
    this.running++;
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      this.running--;
      throw err;
    }
    let released = false;
    const release = (completed: boolean) => {
      if (released) return;
      released = true;
      this.running--;
      // Cancelled, failed or stopped mid-way: the connection is closed, so the server ends the COPY and its
      // transaction at once, and the pool never reuses a connection in the middle of one.
      client.release(completed ? undefined : new Error('usage export ended before the COPY did'));
    };
    const chunks = exportChunks(client, sql, new ExportLineEncoder(request.format), release);
    let started = false;
    // A generator that never started skips its `finally` on return(): the connection is released here then.
    const stream: AsyncIterableIterator<Uint8Array> = {
      next: () => {
        started = true;
        return chunks.next();
      },
      return: (value?: unknown) => {
        if (!started) release(false);
        return chunks.return(value);
      },
      [Symbol.asyncIterator]: () => stream,
    };
    return stream;
  }
}

async function* exportChunks(
  client: PoolClient,
  sql: string,
  encoder: ExportLineEncoder,
  release: (completed: boolean) => void,
): AsyncGenerator<Uint8Array> {
  const copy = client.query(copyTo(sql));
  const decoder = new ExportRowDecoder();
  let completed = false;
  try {
    let out = encoder.header();
    const take: RowHandler = (row) => (out += encoder.line(row));
    for await (const data of copy) {
      decoder.push(data as Buffer, take);
      if (out.length >= EXPORT_CHUNK_BYTES) {
        const chunk = Buffer.from(out, 'utf8');
        out = '';
        yield chunk;
      }
    }
    decoder.finish();
    if (out.length > 0) yield Buffer.from(out, 'utf8');
    completed = true;
  } finally {
    if (!completed) copy.destroy();
    release(completed);
  }
}
