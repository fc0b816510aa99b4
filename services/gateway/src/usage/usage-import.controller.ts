import { Body, Controller, Get, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ingestionSubjects, USAGE_IMPORT_MEDIA_TYPES, type RequestContext } from '@llmlab/contracts';
import { Access, Caller } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import { UsageImportService } from './usage-import.service';
import { UsageImportAcceptedDto, UsageImportDto } from './usage.dto';

@ApiTags('usage')
@Controller()
export class UsageImportController {
  constructor(
    private readonly imports: UsageImportService,
    private readonly client: ServiceClient,
  ) {}

  @Post('v1/projects/:projectId/usage/imports')
  @HttpCode(202)
  @Access('usage:import')
  @ApiParam({ name: 'projectId', format: 'uuid' })
  @ApiOperation({
    operationId: 'importUsage',
    summary: 'Import a file of usage into the project (backfill), processed in the background',
    description:
      'The body is a file exactly as GET /v1/projects/{projectId}/usage/export writes it: CSV (text/csv, with its ' +
      'header line) or JSON Lines (application/x-ndjson or application/jsonl), up to 100 MiB by default. Events of ' +
      'any age are taken (not in the future); an event id the project has already counted is counted once. Costs ' +
      "are computed again at each event's own timestamp with this organization's prices, except a client's own " +
      'cost (cost status override), which is kept. 202 means durable: the file is stored and its import queued; ' +
      'follow the Location header for progress, counts and per-line errors.',
  })
  @ApiConsumes(...Object.keys(USAGE_IMPORT_MEDIA_TYPES))
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiHeader({ name: 'Content-Type', required: true, description: 'text/csv, application/x-ndjson or application/jsonl' })
  @ApiAcceptedResponse({
    type: UsageImportAcceptedDto,
    headers: { Location: { description: 'GET this URL for progress', schema: { type: 'string' } } },
  })
  @ApiProblems(
    [403, 'The caller is not an owner or admin, nor an API key of the project with the ingest scope'],
    [413, 'The file is larger than the limit (USAGE_IMPORT_MAX_BYTES, 100 MiB by default)'],
    [415, 'The content type is not text/csv, application/x-ndjson or application/jsonl'],
    [503, 'The file could not be stored; retry after Retry-After'],
  )
  async upload(
    @Headers('content-type') contentType: string | undefined,
    @Headers('content-length') contentLength: string | undefined,
    @Body() body: unknown,
    @Caller() caller: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UsageImportAcceptedDto> {
    const accepted = await this.imports.upload(contentType, contentLength, body, caller);
    reply.header('Location', `/v1/usage/imports/${accepted.importId}`);
    return accepted;
  }

  @Get('v1/usage/imports/:importId')
  @Access('project-data:read')
  @ApiParam({ name: 'importId', format: 'uuid' })
  @ApiOperation({
    operationId: 'getUsageImport',
    summary: 'Progress of an import: status, lines read, accepted, duplicates, rejected and the first line errors',
  })
  @ApiOkResponse({ type: UsageImportDto })
  @ApiProblems([403, 'The API key lacks the read scope'])
  get(@Param('importId') importId: string, @Caller() caller: RequestContext) {
    return this.client.call(ingestionSubjects.usageImport, { importId }, caller);
  }
}
