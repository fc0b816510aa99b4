import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { SPAN_CATEGORIES, SPAN_KINDS, TRACE_FLAG_TYPES, USAGE_LIMITS } from '@llmlab/contracts';
import { DateRangeQueryDto } from '../http/date-range.dto';
import { WithCursorPaging } from '../http/paging.dto';
import { MoneyDto, TokenTotalsDto } from '../costs/costs.dto';

/** Trace lists and session lists default to the last 7 days: traces are looked at while fresh. */
export const TRACE_RANGE_DAYS = 7;
/** Rows per page of traces and sessions (the ingestion service's bounds). */
export const TRACE_PAGE = { max: 200, defaultLimit: 50 } as const;

const DECIMAL = /^\d{1,16}(\.\d{1,12})?$/;
/** `key:value`, the key as a usage event's tag key is bounded. */
const TAG_FILTER = new RegExp(
  `^[^:\\u0000-\\u001f]{1,${USAGE_LIMITS.maxTagKeyLength}}:[^\\u0000-\\u001f]{1,${USAGE_LIMITS.maxTagValueLength}}$`,
);

/** `[from, to)` with the traces' 7-day default; the bounds are validated as every other range. */
class TraceRangeQueryDto extends DateRangeQueryDto {
  @ApiPropertyOptional({
    format: 'date-time',
    description: `Start of the range, included. Default: ${TRACE_RANGE_DAYS} days before \`to\`.`,
  })
  declare from?: string;
}

export class TracesQueryDto extends WithCursorPaging(TraceRangeQueryDto, TRACE_PAGE) {
  @ApiPropertyOptional({ enum: ['ok', 'error'], description: 'error: a span of the trace failed.' })
  @IsOptional()
  @IsIn(['ok', 'error'])
  status?: 'ok' | 'error';

  @ApiPropertyOptional({ enum: TRACE_FLAG_TYPES, description: 'Only traces a detector flagged so.' })
  @IsOptional()
  @IsIn(TRACE_FLAG_TYPES)
  flag?: (typeof TRACE_FLAG_TYPES)[number];

  @ApiPropertyOptional({ description: 'Only this end user.' })
  @IsOptional()
  @IsString()
  @Length(1, USAGE_LIMITS.maxStringLength)
  userId?: string;

  @ApiPropertyOptional({ description: 'Only this session.' })
  @IsOptional()
  @IsString()
  @Length(1, USAGE_LIMITS.maxStringLength)
  sessionId?: string;

  @ApiPropertyOptional({ example: 'feature:search', description: '`key:value`: traces with a span or model call tagged so.' })
  @IsOptional()
  @Matches(TAG_FILTER, { message: 'must be key:value' })
  tag?: string;

  @ApiPropertyOptional({ example: '0.05', description: 'A decimal string: traces that cost at least this (USD).' })
  @IsOptional()
  @Matches(DECIMAL, { message: 'must be a non-negative decimal string, e.g. 0.05' })
  minCost?: string;

  @ApiPropertyOptional({ description: 'The root span name, exact.' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  name?: string;
}

export class SessionsQueryDto extends WithCursorPaging(TraceRangeQueryDto, TRACE_PAGE) {
  @ApiPropertyOptional({ description: 'Only this end user.' })
  @IsOptional()
  @IsString()
  @Length(1, USAGE_LIMITS.maxStringLength)
  userId?: string;
}

export class TraceSummaryDto {
  @ApiProperty({ example: '4bf92f3577b34da6a3ce929d0e0e4736', description: '32 lowercase hex characters.' }) traceId!: string;
  @ApiProperty({ type: String, nullable: true, description: "The root span's name; null until the root span arrived." }) name!:
    string | null;
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
  @ApiProperty() durationMs!: number;
  @ApiProperty() spanCount!: number;
  @ApiProperty({ description: 'Spans and usage events that are model calls.' }) modelCalls!: number;
  @ApiProperty({ type: TokenTotalsDto }) tokens!: TokenTotalsDto;
  @ApiProperty({ type: MoneyDto, description: "Priced and explicit costs of the trace's model calls." }) cost!: MoneyDto;
  @ApiProperty({ description: 'Model calls without a price.' }) unpriced!: number;
  @ApiProperty({ enum: ['ok', 'error'] }) status!: 'ok' | 'error';
  @ApiProperty({ enum: TRACE_FLAG_TYPES, isArray: true }) flags!: string[];
  @ApiProperty({ type: String, nullable: true }) sessionId!: string | null;
  @ApiProperty({ type: String, nullable: true }) userId!: string | null;
  @ApiProperty({ description: 'The trace had no new span for the idle time and its detectors ran.' }) complete!: boolean;
}

export class TracesPageDto {
  @ApiProperty({ type: TraceSummaryDto, isArray: true, description: 'Newest first.' }) data!: TraceSummaryDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last.' }) nextCursor!:
    string | null;
}

export class SpanUsageDto {
  @ApiProperty() usageEventId!: string;
  @ApiProperty() provider!: string;
  @ApiProperty() model!: string;
  @ApiProperty({ type: TokenTotalsDto }) tokens!: TokenTotalsDto;
  @ApiProperty({ type: MoneyDto, nullable: true, description: 'null when unpriced.' }) cost!: MoneyDto | null;
  @ApiProperty({ enum: ['priced', 'unpriced', 'override'] }) costStatus!: 'priced' | 'unpriced' | 'override';
  @ApiProperty({ type: String, nullable: true, description: 'The catalog or override entry that priced it.' }) priceEntryId!: string | null;
}

export class SpanEventDto {
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'date-time' }) time!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) attributes!: Record<string, unknown>;
}

export class SpanContentDto {
  @ApiProperty({ type: String, nullable: true }) input!: string | null;
  @ApiProperty({ type: String, nullable: true }) output!: string | null;
  @ApiProperty({ description: 'Either text was cut to the size limit.' }) truncated!: boolean;
}

export class TraceFlagDto {
  @ApiProperty({ enum: TRACE_FLAG_TYPES }) type!: string;
  @ApiProperty({ type: String, isArray: true, description: 'The spans involved, in start order.' }) spanIds!: string[];
  @ApiProperty({ description: 'What happened, with the figures.' }) summary!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The figures and thresholds the detector used.' })
  figures!: Record<string, string | number>;
}

export class TraceSpanDto {
  @ApiProperty({ description: '16 lowercase hex characters.' }) spanId!: string;
  @ApiProperty({ type: String, nullable: true }) parentSpanId!: string | null;
  @ApiProperty({ description: 'Depth in the tree; the root, and an orphan whose parent never arrived, at 0.' }) depth!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: SPAN_KINDS }) kind!: string;
  @ApiProperty({ enum: SPAN_CATEGORIES }) category!: string;
  @ApiProperty({ format: 'date-time' }) startTime!: string;
  @ApiProperty({ format: 'date-time' }) endTime!: string;
  @ApiProperty({ description: "From the trace's start." }) offsetMs!: number;
  @ApiProperty() durationMs!: number;
  @ApiProperty({ enum: ['unset', 'ok', 'error'] }) status!: string;
  @ApiProperty({ type: String, nullable: true }) statusMessage!: string | null;
  @ApiProperty({ type: String, nullable: true }) serviceName!: string | null;
  @ApiProperty({ type: String, nullable: true, description: '`gen_ai.operation.name`.' }) operation!: string | null;
  @ApiProperty({ type: String, nullable: true, description: '`gen_ai.tool.name`.' }) toolName!: string | null;
  @ApiProperty({ type: SpanUsageDto, nullable: true, description: "The span's model call, counted once." }) usage!: SpanUsageDto | null;
  @ApiProperty({ type: MoneyDto, description: "This span's model call's cost (zero without one)." }) cost!: MoneyDto;
  @ApiProperty({ type: MoneyDto, description: "This span's and every descendant's." }) subtreeCost!: MoneyDto;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Bounded.' }) attributes!: Record<string, unknown>;
  @ApiProperty({ type: SpanEventDto, isArray: true }) events!: SpanEventDto[];
  @ApiProperty({ enum: TRACE_FLAG_TYPES, isArray: true, description: 'The flags that name this span.' }) flags!: string[];
  @ApiProperty({ type: SpanContentDto, nullable: true, description: 'Only when content capture stored some for this span.' })
  content!: SpanContentDto | null;
}

export class TraceViewDto extends TraceSummaryDto {
  @ApiProperty({ type: TraceSpanDto, isArray: true, description: 'Tree order: depth first, siblings by start time.' })
  spans!: TraceSpanDto[];
  @ApiProperty({ type: TraceFlagDto, isArray: true }) flagDetails!: TraceFlagDto[];
}

export class SessionSummaryDto {
  @ApiProperty() sessionId!: string;
  @ApiProperty({ type: String, nullable: true }) userId!: string | null;
  @ApiProperty() traces!: number;
  @ApiProperty() flaggedTraces!: number;
  @ApiProperty({ format: 'date-time' }) firstStartedAt!: string;
  @ApiProperty({ format: 'date-time' }) lastEndedAt!: string;
  @ApiProperty() modelCalls!: number;
  @ApiProperty({ type: TokenTotalsDto }) tokens!: TokenTotalsDto;
  @ApiProperty({ type: MoneyDto }) cost!: MoneyDto;
}

export class SessionsPageDto {
  @ApiProperty({ type: SessionSummaryDto, isArray: true, description: "By their latest trace's start, newest first." })
  data!: SessionSummaryDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last.' }) nextCursor!:
    string | null;
}

export class SessionViewDto extends SessionSummaryDto {
  @ApiProperty({ type: TraceSummaryDto, isArray: true, description: 'Oldest first, at most 500.' }) traceList!: TraceSummaryDto[];
}
