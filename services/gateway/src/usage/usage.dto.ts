import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length } from 'class-validator';
import { USAGE_IMPORT_FORMATS, USAGE_IMPORT_LIMITS, USAGE_IMPORT_STATUSES, USAGE_LIMITS } from '@llmlab/contracts';
import { WithCursorPaging } from '../http/paging.dto';
import { DateRangeQueryDto } from '../http/date-range.dto';

// Request DTOs of POST /v1/usage document the body only: it is validated by `validateUsageBatch` from contracts,
// the same rules the ingestion service applies, which report every invalid event by index instead of refusing all.

export class UsageCountsDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Every input token, cached ones included.' }) inputTokens!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Every output token, reasoning included.' }) outputTokens!: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'Part of inputTokens read from the prompt cache.' })
  cachedInputTokens?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'Part of inputTokens written to the prompt cache.' })
  cacheWriteTokens?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'Part of cacheWriteTokens written to a 1-hour cache entry.' })
  cacheWrite1hTokens?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'Part of outputTokens spent on reasoning.' }) reasoningTokens?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 0 }) inputAudioTokens?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 0 }) cachedInputAudioTokens?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 0 }) outputAudioTokens?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 0 }) inputImageTokens?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 0 }) cachedInputImageTokens?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 0 }) outputImageTokens?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'Another name of inputAudioTokens (SDK 0.x).' })
  audioInputTokens?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'Another name of outputAudioTokens (SDK 0.x).' })
  audioOutputTokens?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'Another name of inputImageTokens (SDK 0.x).' })
  imageInputTokens?: number;
}

export class CostOverrideDto {
  @ApiProperty({ example: '0.0123', description: 'Non-negative decimal string, at most 16 integer and 12 fraction digits.' })
  amount!: string;
  @ApiProperty({ example: 'USD', description: 'An ISO 4217 code; only USD is accounted.' }) currency!: string;
}

export class PromptPrefixDto {
  @ApiProperty({ pattern: '^[0-9a-f]{64}$', description: "SHA-256 (lowercase hex) of the prefix's canonical form." }) hash!: string;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    maximum: USAGE_LIMITS.maxPromptPrefixTokens,
    description: 'Its length in tokens (an estimate is fine).',
  })
  tokens!: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: USAGE_LIMITS.maxPromptPrefixTools, default: 0 }) tools?: number;
}

export class UsageEventDto {
  @ApiProperty({
    example: '0197a1c2-5b1e-7c3d-9f00-3a1b2c3d4e5f',
    maxLength: USAGE_LIMITS.maxIdLength,
    description: 'Chosen by the client: the idempotency key, unique per project.',
  })
  id!: string;
  @ApiProperty({ format: 'date-time', description: 'When the call started; at most 5 minutes in the future, at most 35 days old.' })
  timestamp!: string;
  @ApiProperty({ example: 'openai', maxLength: USAGE_LIMITS.maxProviderLength }) provider!: string;
  @ApiProperty({ example: 'gpt-4o-mini', maxLength: USAGE_LIMITS.maxModelLength }) model!: string;
  @ApiProperty({ type: UsageCountsDto }) usage!: UsageCountsDto;
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: USAGE_LIMITS.maxLatencyMs,
    description: 'How long the call took, in milliseconds. Leave it out when unknown (a backfill, forwarded billing data).',
  })
  latencyMs?: number;
  @ApiProperty({ enum: ['success', 'error'] }) status!: 'success' | 'error';
  @ApiPropertyOptional({ example: 'RateLimitError', description: 'Only with status error.' }) errorType?: string;
  @ApiPropertyOptional({ maxLength: USAGE_LIMITS.maxStringLength, description: 'Your end user: a pseudonymous id, never personal data.' })
  userId?: string;
  @ApiPropertyOptional({
    maxLength: USAGE_LIMITS.maxStringLength,
    description: 'The trace of the call (OTLP spelling: 32 lowercase hex characters). Shown in the trace view.',
  })
  traceId?: string;
  @ApiPropertyOptional({
    maxLength: USAGE_LIMITS.maxStringLength,
    description:
      "The call's own span (16 lowercase hex characters). A usage event and an OpenTelemetry span naming the same traceId and spanId are one call, counted once.",
  })
  spanId?: string;
  @ApiPropertyOptional({
    maxLength: USAGE_LIMITS.maxStringLength,
    description: 'The span the call was made under (only with traceId and spanId).',
  })
  parentSpanId?: string;
  @ApiPropertyOptional({
    maxLength: USAGE_LIMITS.maxStringLength,
    description: 'The conversation or agent session; traces are grouped by it.',
  })
  sessionId?: string;
  @ApiPropertyOptional({
    type: PromptPrefixDto,
    description:
      'A fingerprint of the stable start of the prompt (system prompt and tools), never its text: lets the recommendations see repeated prefixes that prompt caching would make cheaper. The SDK fills it in.',
  })
  promptPrefix?: PromptPrefixDto;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { feature: 'search' },
    description: 'Up to 50.',
  })
  tags?: Record<string, string>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'At most 16 KiB as JSON.' }) metadata?: Record<
    string,
    unknown
  >;
  @ApiPropertyOptional({ type: CostOverrideDto, description: 'An explicit cost, recorded as such instead of the catalog price.' })
  cost?: CostOverrideDto;
}

export class IngestUsageDto {
  @ApiProperty({ type: UsageEventDto, isArray: true, minItems: 1, maxItems: USAGE_LIMITS.maxEventsPerBatch }) events!: UsageEventDto[];
}

export class FieldErrorDto {
  @ApiProperty({ example: '/events/3/model' }) field!: string;
  @ApiProperty({ example: 'must be a non-empty string' }) message!: string;
}

export class RejectedEventDto {
  @ApiProperty({ description: "The event's position in `events`." }) index!: number;
  @ApiPropertyOptional({ description: "The event's id, when it had one." }) id?: string;
  @ApiProperty({ type: FieldErrorDto, isArray: true }) errors!: FieldErrorDto[];
}

export class IngestUsageResultDto {
  @ApiProperty({ description: 'Events durably accepted by this request.' }) accepted!: number;
  @ApiProperty({ description: 'Events whose id was already accepted (or repeated in this batch): not stored again.' }) duplicates!: number;
  @ApiProperty({ type: RejectedEventDto, isArray: true, description: 'Invalid events, with every problem; the others were accepted.' })
  rejected!: RejectedEventDto[];
}

export class UsageRecordsQueryDto extends WithCursorPaging(DateRangeQueryDto) {
  @ApiPropertyOptional({ description: 'Only this model (exact id as recorded).' })
  @IsOptional()
  @IsString()
  @Length(1, USAGE_LIMITS.maxModelLength)
  model?: string;

  @ApiPropertyOptional({ description: 'Only this end user.' })
  @IsOptional()
  @IsString()
  @Length(1, USAGE_LIMITS.maxStringLength)
  userId?: string;

  @ApiPropertyOptional({ enum: ['success', 'error'] })
  @IsOptional()
  @IsIn(['success', 'error'])
  status?: 'success' | 'error';
}

export const EXPORT_FORMATS = ['csv', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export class UsageExportQueryDto extends DateRangeQueryDto {
  @ApiPropertyOptional({
    enum: EXPORT_FORMATS,
    default: 'csv',
    description: 'csv (one row per record, a header line) or jsonl (one record per line).',
  })
  @IsOptional()
  @IsIn(EXPORT_FORMATS)
  format?: ExportFormat;

  @ApiPropertyOptional({ description: 'Only this model.' })
  @IsOptional()
  @IsString()
  @Length(1, USAGE_LIMITS.maxModelLength)
  model?: string;

  @ApiPropertyOptional({ description: 'Only this end user.' })
  @IsOptional()
  @IsString()
  @Length(1, USAGE_LIMITS.maxStringLength)
  userId?: string;

  @ApiPropertyOptional({ enum: ['success', 'error'] })
  @IsOptional()
  @IsIn(['success', 'error'])
  status?: 'success' | 'error';
}

export class RecordUsageCountsDto {
  @ApiProperty() inputTokens!: number;
  @ApiProperty() outputTokens!: number;
  @ApiProperty() cachedInputTokens!: number;
  @ApiProperty() cacheWriteTokens!: number;
  @ApiProperty() cacheWrite1hTokens!: number;
  @ApiProperty() reasoningTokens!: number;
  @ApiProperty() inputAudioTokens!: number;
  @ApiProperty() cachedInputAudioTokens!: number;
  @ApiProperty() outputAudioTokens!: number;
  @ApiProperty() inputImageTokens!: number;
  @ApiProperty() cachedInputImageTokens!: number;
  @ApiProperty() outputImageTokens!: number;
}

export class RecordCostDto {
  @ApiProperty({ enum: ['priced', 'unpriced', 'override'], description: 'override: the client sent the cost.' }) status!:
    'priced' | 'unpriced' | 'override';
  @ApiProperty({ type: String, nullable: true, example: '0.000123000000', description: 'Decimal string; null when unpriced.' }) amount!:
    string | null;
  @ApiProperty({ enum: ['USD'] }) currency!: 'USD';
  @ApiProperty({ type: String, nullable: true, description: 'The price entry used.' }) priceEntryId!: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['catalog', 'override'] }) priceOrigin!: 'catalog' | 'override' | null;
}

export class UsageRecordDto {
  @ApiProperty({ description: "The event's id." }) id!: string;
  @ApiProperty({ format: 'date-time' }) timestamp!: string;
  @ApiProperty() provider!: string;
  @ApiProperty() model!: string;
  @ApiProperty({ type: RecordUsageCountsDto }) usage!: RecordUsageCountsDto;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Null when the sender gave none.' }) latencyMs!: number | null;
  @ApiProperty({ enum: ['success', 'error'] }) status!: 'success' | 'error';
  @ApiProperty({ type: String, nullable: true }) errorType!: string | null;
  @ApiProperty({ type: String, nullable: true }) userId!: string | null;
  @ApiProperty({ type: String, nullable: true }) traceId!: string | null;
  @ApiProperty({ type: String, nullable: true }) spanId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) tags!: Record<string, string>;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata!: Record<string, unknown>;
  @ApiProperty({ type: RecordCostDto }) cost!: RecordCostDto;
  @ApiProperty({ format: 'date-time', description: 'When the gateway accepted it.' }) receivedAt!: string;
}

export class UsageRecordPageDto {
  @ApiProperty({ type: UsageRecordDto, isArray: true, description: 'Newest first.' }) data!: UsageRecordDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last.' }) nextCursor!:
    string | null;
}

export class UsageImportAcceptedDto {
  @ApiProperty({ format: 'uuid', description: 'Follow the Location header (GET /v1/usage/imports/{importId}) for progress.' })
  importId!: string;
  @ApiProperty({ enum: USAGE_IMPORT_STATUSES }) status!: string;
}

export class UsageImportLineErrorDto {
  @ApiProperty({ description: 'Line of the file (the CSV header is line 1).' }) line!: number;
  @ApiProperty({ description: 'The field as POST /v1/usage names it, e.g. /usage/inputTokens; / for the whole line.' }) field!: string;
  @ApiProperty() message!: string;
}

export class UsageImportDto {
  @ApiProperty({ format: 'uuid' }) importId!: string;
  @ApiProperty({ format: 'uuid' }) projectId!: string;
  @ApiProperty({ enum: USAGE_IMPORT_FORMATS }) format!: string;
  @ApiProperty({ enum: USAGE_IMPORT_STATUSES, description: 'completed: every line is counted and the counts are final.' })
  status!: string;
  @ApiProperty({ description: 'Size of the uploaded file.' }) bytes!: number;
  @ApiProperty({ description: 'Lines of the file read so far (the CSV header included).' }) linesRead!: number;
  @ApiProperty({ description: 'Lines recorded as new events.' }) accepted!: number;
  @ApiProperty({ description: 'Lines whose event id the project had already counted (earlier in this file or before): not counted again.' })
  duplicates!: number;
  @ApiProperty({ description: 'Invalid lines.' }) rejected!: number;
  @ApiProperty({
    type: UsageImportLineErrorDto,
    isArray: true,
    description: `The first ${USAGE_IMPORT_LIMITS.maxErrors} problems, by line.`,
  })
  errors!: UsageImportLineErrorDto[];
  @ApiProperty({ description: 'More problems were found than `errors` lists.' }) errorsTruncated!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'Why a failed import stopped; the lines before were recorded.' })
  failure!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completedAt!: string | null;
}
