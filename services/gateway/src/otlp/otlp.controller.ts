import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { TRACE_LIMITS, type RequestContext } from '@llmlab/contracts';
import { Access, Caller } from '../identity/identity.decorators';
import { GatewayProblem } from '../http/problem';
import { ApiProblems } from '../openapi/problem-responses';
import { OTLP_JSON, OTLP_PROTOBUF } from './otlp-body';
import { OtlpIngestService } from './otlp-ingest.service';
import { encodeTraceResponse } from './otlp-proto';

class OtlpPartialSuccessDto {
  @ApiProperty({ type: 'integer', description: 'Spans not accepted (neither kept nor counted).' }) rejectedSpans!: number;
  @ApiProperty({ example: '/resourceSpans/0/scopeSpans/0/spans/3/traceId: must be 32 hexadecimal characters (16 bytes)' })
  errorMessage!: string;
}

class OtlpExportResponseDto {
  @ApiPropertyOptional({ type: OtlpPartialSuccessDto, description: 'Only when some spans were rejected.' })
  partialSuccess?: OtlpPartialSuccessDto;
}

@ApiTags('traces')
@Controller('v1/otlp/v1/traces')
export class OtlpController {
  constructor(private readonly otlp: OtlpIngestService) {}

  @Post()
  @HttpCode(200)
  @Access('ingest')
  @ApiOperation({
    operationId: 'exportTraces',
    summary: 'OpenTelemetry trace export (OTLP/HTTP): point an exporter at the base URL http://<host>:3000/v1/otlp',
    description:
      'An ExportTraceServiceRequest as protobuf (application/x-protobuf) or OTLP/JSON (application/json), gzip or ' +
      `not, at most ${TRACE_LIMITS.maxBodyBytes / 1024 / 1024} MiB and ${TRACE_LIMITS.maxSpansPerRequest.toLocaleString('en-US')} spans. ` +
      'The API key (ingest scope) goes in `Authorization: Bearer llm_…` or `x-api-key`. Spans carrying GenAI token ' +
      'counts become usage records, priced like `POST /v1/usage` events (docs/traces.md has the mapping); a span ' +
      'and a usage event with the same traceId and spanId are one call, counted once. 200 means durable; the answer ' +
      "is in the request's encoding, with `partialSuccess` naming the rejected spans. On 429 or 503, retry after Retry-After.",
  })
  @ApiConsumes(OTLP_JSON, OTLP_PROTOBUF)
  @ApiBody({ schema: { type: 'object', description: 'OTLP ExportTraceServiceRequest (OTLP/JSON, or its protobuf encoding)' } })
  @ApiOkResponse({ type: OtlpExportResponseDto })
  @ApiProblems(
    [400, 'The body is not an ExportTraceServiceRequest in the declared encoding, or not valid gzip'],
    [403, 'The API key lacks the ingest scope, or the caller is not an API key'],
    [413, `More than ${TRACE_LIMITS.maxSpansPerRequest} spans, or a body (compressed or inflated) over the limit`],
    [415, 'Neither application/x-protobuf nor application/json, or an encoding other than gzip'],
    [503, 'The ingest buffer did not acknowledge the spans; retry after Retry-After'],
  )
  async export(
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @Caller() caller: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OtlpExportResponseDto | Buffer> {
    const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
    if (mediaType !== OTLP_PROTOBUF && mediaType !== OTLP_JSON)
      throw new GatewayProblem(415, 'UNSUPPORTED_MEDIA_TYPE', `send ${OTLP_PROTOBUF} or ${OTLP_JSON}, not "${mediaType}"`);
    const protobuf = mediaType === OTLP_PROTOBUF;
    const partialSuccess = await this.otlp.export(body, protobuf, caller);
    if (!protobuf) return partialSuccess ? { partialSuccess } : {};
    void reply.header('content-type', OTLP_PROTOBUF);
    return Buffer.from(encodeTraceResponse(partialSuccess));
  }
}
