import { Readable } from 'node:stream';
import { Body, Controller, Get, HttpCode, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import { auditAccessSubjects, ingestionSubjects, type RequestContext } from '@llmlab/contracts';
import { resolveRange } from '../http/date-range.dto';
import { tenant } from '../identity/tenant-scope';
import { Access, Caller } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import { EXPORT_CONTENT_TYPES } from './usage-export';
import { UsageIngestService } from './usage-ingest.service';
import { IngestUsageDto, IngestUsageResultDto, UsageExportQueryDto, UsageRecordPageDto, UsageRecordsQueryDto } from './usage.dto';

@ApiTags('usage')
@Controller('v1/usage')
export class UsageIngestController {
  constructor(private readonly usage: UsageIngestService) {}

  @Post()
  @HttpCode(202)
  @Access('ingest')
  @ApiOperation({
    operationId: 'ingestUsage',
    summary: 'Send usage events (an API key with the ingest scope; its project receives them)',
    description:
      'At most 1,000 events and 1 MiB. Invalid events are listed in `rejected` and the others accepted; when every ' +
      'event is invalid the answer is 400 with the same `rejected` list. 202 means ' +
      'durable: the batch is on disk in the ingest buffer. An event id is counted once per project however often ' +
      'it is sent (at least 40 days); `duplicates` counts the ones already accepted. On 429 or 503, retry the same ' +
      'events after Retry-After.',
  })
  @ApiBody({ type: IngestUsageDto })
  @ApiAcceptedResponse({ type: IngestUsageResultDto })
  @ApiProblems(
    [
      400,
      'The body is not { events: [...] } with 1 to 1,000 events, or every event was rejected: then the problem also ' +
        'carries accepted (0), duplicates (0) and rejected, as a 202 would',
    ],
    [403, 'The API key lacks the ingest scope, or the caller is not an API key'],
    [413, 'More than 1,000 events or 1 MiB'],
    [503, 'The ingest buffer did not acknowledge the batch (INGEST_UNAVAILABLE) or is full (INGEST_BACKPRESSURE); retry after Retry-After'],
  )
  ingest(@Body() body: unknown, @Caller() caller: RequestContext) {
    return this.usage.ingest(body, caller);
  }
}

@ApiTags('usage')
@ApiParam({ name: 'projectId', format: 'uuid' })
@Controller('v1/projects/:projectId/usage')
export class UsageRecordsController {
  constructor(private readonly client: ServiceClient) {}

  @Get()
  @Access('project-data:read')
  @ApiOperation({
    operationId: 'listUsageRecords',
    summary: "The project's usage records, newest first, with cursor pagination",
    description: 'The 30 days before now by default. A page may hold fewer records than `limit` when they are large: follow nextCursor.',
  })
  @ApiOkResponse({ type: UsageRecordPageDto })
  @ApiProblems([400, 'Invalid range, filter, cursor or limit'], [403, 'The API key lacks the read scope'])
  async list(@Query() query: UsageRecordsQueryDto, @Caller() caller: RequestContext): Promise<StreamableFile> {
    const { from, to, ...filters } = query;
    // The service writes the page's JSON (up to 1 MiB for 1,000 records), read whole before a byte is sent: sent on
    // as it came, neither parsed and written again nor copied into one buffer.
    const chunks = await this.client.chunks(ingestionSubjects.usageRecords, { ...resolveRange({ from, to }), ...filters }, caller);
    return new StreamableFile(Readable.from(chunks, { objectMode: false }), {
      type: 'application/json; charset=utf-8',
      length: chunks.reduce((n, chunk) => n + chunk.byteLength, 0),
    });
  }

  @Get('export')
  @Access('project-data:read')
  @ApiOperation({
    operationId: 'exportUsageRecords',
    summary: 'Every usage record of the range as CSV or JSON Lines, streamed',
    description:
      'Newest first, streamed in constant memory. CSV cells a spreadsheet would run as a formula get a ' +
      "leading '; JSON Lines has every value exactly. A failure mid-way aborts the transfer rather than end it early.",
  })
  @ApiProduces(EXPORT_CONTENT_TYPES.csv, EXPORT_CONTENT_TYPES.jsonl)
  @ApiOkResponse({ description: 'The records', schema: { type: 'string' } })
  @ApiProblems([400, 'Invalid range, format or filter'], [403, 'The API key lacks the read scope'])
  async export(@Query() query: UsageExportQueryDto, @Caller() caller: RequestContext): Promise<StreamableFile> {
    const { format = 'csv', from, to, ...filters } = query;
    const range = resolveRange({ from, to });
    // The ingestion service writes the file (one COPY of the range) and sends it in chunks, no faster than the socket
    // takes them; it checks the request before the first chunk, so a bad request is still a problem+json answer.
    const chunks = await this.client.stream(ingestionSubjects.usageExport, { ...range, ...filters, format }, caller);
    try {
      // Recorded in the organization's audit log before a byte of it is sent (bounded per user and minute).
      await this.client.call(
        auditAccessSubjects.record,
        { kind: 'usage_exported', projectId: tenant(caller, 'project').projectId, format, from: range.from, to: range.to },
        caller,
      );
    } catch (err) {
      await chunks.return();
      throw err;
    }
    const filename = `usage-${tenant(caller, 'project').projectId}-${range.from.slice(0, 10)}-${range.to.slice(0, 10)}.${format}`;
    // Bytes, not objects: the readable holds about one chunk ahead of the socket, and the stream's credit is granted
    // only as it takes them. A closed response destroys it, which cancels the export at the service.
    return new StreamableFile(Readable.from(chunks, { objectMode: false }), {
      type: EXPORT_CONTENT_TYPES[format],
      disposition: `attachment; filename="${filename}"`,
    });
  }
}
