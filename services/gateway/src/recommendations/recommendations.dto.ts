import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  RECOMMENDATION_CONFIDENCES,
  RECOMMENDATION_KINDS,
  RECOMMENDATION_STATUSES,
  type RecommendationConfidence,
  type RecommendationKind,
  type RecommendationStatus,
} from '@llmlab/contracts';
import { MoneyDto } from '../costs/costs.dto';
import { NoQuery, WithCursorPaging } from '../http/paging.dto';

export class ListRecommendationsQueryDto extends WithCursorPaging(NoQuery, { max: 200, defaultLimit: 50 }) {
  @ApiPropertyOptional({ enum: RECOMMENDATION_STATUSES, description: 'Every status when absent.' })
  @IsOptional()
  @IsIn(RECOMMENDATION_STATUSES)
  status?: RecommendationStatus;

  @ApiPropertyOptional({ enum: RECOMMENDATION_KINDS })
  @IsOptional()
  @IsIn(RECOMMENDATION_KINDS)
  kind?: RecommendationKind;
}

export class DismissRecommendationDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 500, example: 'Quality matters more than cost for this feature.' })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsString()
  @MaxLength(500)
  reason?: string | null;
}

export class RecommendationScopeDto {
  @ApiProperty({ format: 'uuid' }) projectId!: string;
  @ApiProperty({ type: String, nullable: true, example: 'openai' }) provider!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'gpt-4o' }) model!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'support',
    description: "The calls' `feature` tag; '' for calls without one; null for every feature.",
  })
  feature!: string | null;
}

export class ModelRefDto {
  @ApiProperty({ example: 'openai' }) provider!: string;
  @ApiProperty({ example: 'gpt-4o-mini' }) model!: string;
}

export class TrafficWindowDto {
  @ApiProperty({ format: 'date', example: '2026-11-20', description: 'First UTC day observed.' }) from!: string;
  @ApiProperty({ format: 'date', example: '2026-12-04', description: 'The day after the last one observed.' }) to!: string;
}

export class RecommendationEvidenceDto {
  @ApiProperty({ type: TrafficWindowDto }) window!: TrafficWindowDto;
  @ApiProperty({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }] },
    example: { calls: 40, failedCalls: 25, failedCost: '0.307500000000' },
    description: 'The figures the recommender used: counts as numbers, amounts and shares as decimal strings.',
  })
  figures!: Record<string, string | number>;
}

export class RealizedSavingsDto {
  @ApiProperty({ type: TrafficWindowDto, description: 'From the day of acceptance to today included.' }) window!: TrafficWindowDto;
  @ApiProperty({ type: MoneyDto, description: 'The traffic in scope as it cost since then.' }) actual!: MoneyDto;
  @ApiProperty({ type: MoneyDto, description: 'The same traffic as it would have cost before the change.' }) baseline!: MoneyDto;
  @ApiProperty({ type: MoneyDto, description: 'baseline − actual.' }) saved!: MoneyDto;
  @ApiProperty({ description: 'How the baseline was made.' }) method!: string;
}

export class AppliedRouteDto {
  @ApiProperty({ format: 'uuid', description: 'The proxy route (GET /v1/projects/{projectId}/routes) that applies the change.' })
  routeId!: string;
  @ApiProperty({ format: 'date-time' }) appliedAt!: string;
  @ApiProperty({ example: 'user:0192f3a1-…' }) appliedBy!: string;
}

export class RecommendationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) organizationId!: string;
  @ApiProperty({ format: 'uuid' }) projectId!: string;
  @ApiProperty({ enum: RECOMMENDATION_KINDS }) kind!: RecommendationKind;
  @ApiProperty({ enum: RECOMMENDATION_STATUSES }) status!: RecommendationStatus;
  @ApiProperty({ type: RecommendationScopeDto }) scope!: RecommendationScopeDto;
  @ApiProperty({ example: 'Stop paying for failed gpt-4o calls of the support feature' }) title!: string;
  @ApiProperty({ description: 'What to do, concretely.' }) change!: string;
  @ApiProperty({ type: ModelRefDto, nullable: true, description: 'The model to move to (model_rightsizing).' }) target!: ModelRefDto | null;
  @ApiProperty({ type: RecommendationEvidenceDto }) evidence!: RecommendationEvidenceDto;
  @ApiProperty({
    type: MoneyDto,
    nullable: true,
    description: 'Exact: the observed traffic repriced under the change, scaled to 30 days; null when it cannot be known.',
  })
  estimatedMonthlySavings!: MoneyDto | null;
  @ApiProperty({ enum: RECOMMENDATION_CONFIDENCES }) confidence!: RecommendationConfidence;
  @ApiProperty({ type: [String] }) caveats!: string[];
  @ApiProperty({ format: 'date-time' }) openedAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) acceptedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'user:0192f3a1-…' }) acceptedBy!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) dismissedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) dismissedBy!: string | null;
  @ApiProperty({ type: String, nullable: true }) dismissReason!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) resolvedAt!: string | null;
  @ApiProperty({
    type: AppliedRouteDto,
    nullable: true,
    description: 'Applied as a proxy route (POST /v1/recommendations/{id}/apply): its realized savings are measured on that route’s calls.',
  })
  appliedRoute!: AppliedRouteDto | null;
  @ApiProperty({
    type: RealizedSavingsDto,
    nullable: true,
    description: 'Accepted ones: what the change saved since, measured on the traffic since acceptance (null when it cannot be measured).',
  })
  realizedSavings!: RealizedSavingsDto | null;
  @ApiProperty({ example: 3 }) revision!: number;
}

export class RecommendationListDto {
  @ApiProperty({ type: [RecommendationDto] }) data!: RecommendationDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class RecommendationsRefreshedDto {
  @ApiProperty({ format: 'date-time' }) evaluatedAt!: string;
  @ApiProperty() opened!: number;
  @ApiProperty() updated!: number;
  @ApiProperty() reopened!: number;
  @ApiProperty() resolved!: number;
  @ApiProperty({ description: 'Open recommendations of the project after the evaluation.' }) open!: number;
}

export class WhatIfMatchDto {
  @ApiProperty({ example: 'openai' }) @IsString() @MinLength(1) provider!: string;
  @ApiProperty({ example: 'gpt-4o' }) @IsString() @MinLength(1) model!: string;
  @ApiPropertyOptional({ example: 'support', description: "Only the calls of this feature (their `feature` tag; '' for none)." })
  @IsOptional()
  @IsString()
  feature?: string;
}

export class WhatIfModelDto {
  @ApiProperty({ example: 'openai' }) @IsString() @MinLength(1) provider!: string;
  @ApiProperty({ example: 'gpt-4o-mini' }) @IsString() @MinLength(1) model!: string;
}

export class WhatIfSubstitutionDto {
  @ApiProperty({ type: WhatIfMatchDto }) @ValidateNested() @Type(() => WhatIfMatchDto) match!: WhatIfMatchDto;
  @ApiProperty({ type: WhatIfModelDto }) @ValidateNested() @Type(() => WhatIfModelDto) use!: WhatIfModelDto;
}

export class WhatIfCachingDto {
  @ApiProperty({ minimum: 0, maximum: 1, example: 0.6, description: 'Share of every call’s input tokens read from the prompt cache.' })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  cachedShare!: number;
}

export class WhatIfBatchDto {
  @ApiPropertyOptional({ type: [String], description: 'The features moved to the batch APIs; every feature when absent.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  features?: string[];
}

export class WhatIfDto {
  @ApiProperty({ format: 'date', example: '2026-11-01', description: 'First UTC day.' })
  @IsISO8601({ strict: true }, { message: 'must be a date (YYYY-MM-DD) or an RFC 3339 instant' })
  from!: string;
  @ApiProperty({ format: 'date', example: '2026-12-01', description: 'The day after the last one (at most 93 days after from).' })
  @IsISO8601({ strict: true }, { message: 'must be a date (YYYY-MM-DD) or an RFC 3339 instant' })
  to!: string;
  @ApiPropertyOptional({ type: [WhatIfSubstitutionDto], description: 'The first whose match fits a model (and feature) applies.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => WhatIfSubstitutionDto)
  substitutions?: WhatIfSubstitutionDto[];
  @ApiPropertyOptional({ type: WhatIfCachingDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => WhatIfCachingDto)
  promptCaching?: WhatIfCachingDto;
  @ApiPropertyOptional({
    type: WhatIfBatchDto,
    description: "The providers' batch APIs, at their discount (half price for OpenAI and Anthropic).",
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => WhatIfBatchDto)
  batch?: WhatIfBatchDto;
}

export class WhatIfRowDto {
  @ApiProperty({ example: 'openai' }) provider!: string;
  @ApiProperty({ example: 'gpt-4o' }) model!: string;
  @ApiProperty({ example: 'support' }) feature!: string;
  @ApiProperty() calls!: number;
  @ApiProperty({ type: MoneyDto, description: 'As recorded.' }) actual!: MoneyDto;
  @ApiProperty({ type: MoneyDto, nullable: true, description: 'Under the changes; null when the target has no price.' })
  projected!: MoneyDto | null;
  @ApiProperty({ type: WhatIfModelDto, nullable: true }) use!: WhatIfModelDto | null;
  @ApiProperty({ description: 'Calls that had no price when recorded (not counted in actual).' }) unpricedCalls!: number;
}

export class WhatIfResultDto {
  @ApiProperty({ format: 'date' }) from!: string;
  @ApiProperty({ format: 'date' }) to!: string;
  @ApiProperty({ type: MoneyDto }) actual!: MoneyDto;
  @ApiProperty({ type: MoneyDto, nullable: true }) projected!: MoneyDto | null;
  @ApiProperty({ type: MoneyDto, nullable: true, description: 'actual − projected: what the changes would have saved.' })
  difference!: MoneyDto | null;
  @ApiProperty({ type: [WhatIfRowDto] }) rows!: WhatIfRowDto[];
}

export class ForecastRangeDto {
  @ApiProperty({ example: '812.40' }) low!: string;
  @ApiProperty({ example: '1187.50' }) high!: string;
}

export class ForecastIntervalsDto {
  @ApiProperty({ type: ForecastRangeDto, description: '80 % prediction interval.' }) p80!: ForecastRangeDto;
  @ApiProperty({ type: ForecastRangeDto, description: '95 % prediction interval.' }) p95!: ForecastRangeDto;
}

export class ForecastPeriodDto {
  @ApiProperty({ format: 'date-time' }) start!: string;
  @ApiProperty({ format: 'date-time' }) end!: string;
  @ApiProperty({ example: 'UTC' }) timeZone!: string;
}

export class ForecastUncertaintyDto {
  @ApiProperty({ enum: ['ok', 'short-history', 'insufficient-history', 'no-history'] }) status!: string;
  @ApiProperty({ description: 'One-day-ahead errors measured.' }) residuals!: number;
  @ApiProperty({ type: String, nullable: true, example: '0.12', description: 'Their root mean square, relative.' })
  relativeError!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '0.03', description: 'Their recency-weighted mean: the systematic error.' })
  bias!: string | null;
}

export class ForecastCumulativeDto {
  @ApiProperty({ example: '640.10' }) expected!: string;
  @ApiPropertyOptional({ type: ForecastIntervalsDto }) intervals?: ForecastIntervalsDto;
}

export class ForecastDayDto {
  @ApiProperty({ format: 'date' }) date!: string;
  @ApiPropertyOptional({ description: 'Spent (the whole day for past days; so far for today).' }) actual?: string;
  @ApiPropertyOptional({ description: 'Still expected (the day to come, or the rest of today).' }) expected?: string;
  @ApiPropertyOptional({ type: ForecastIntervalsDto }) intervals?: ForecastIntervalsDto;
  @ApiProperty({ type: ForecastCumulativeDto, description: 'The month by the end of the day.' }) cumulative!: ForecastCumulativeDto;
}

export class ForecastDto {
  @ApiProperty({ type: ForecastPeriodDto }) period!: ForecastPeriodDto;
  @ApiProperty({ enum: ['USD'] }) currency!: 'USD';
  @ApiProperty({ example: '640.10' }) spendToDate!: string;
  @ApiProperty({ example: '1002.75', description: 'Projected month-end spend.' }) projected!: string;
  @ApiProperty({ enum: ['weekday-seasonal', 'weighted-average', 'period-run-rate', 'spend-to-date'] }) method!: string;
  @ApiProperty({ type: ForecastIntervalsDto, nullable: true }) intervals!: ForecastIntervalsDto | null;
  @ApiProperty({ type: ForecastUncertaintyDto }) uncertainty!: ForecastUncertaintyDto;
  @ApiProperty({ type: [ForecastDayDto] }) daily!: ForecastDayDto[];
}

const EQUIVALENCE_EXAMPLE = { 'openai/gpt-4o': ['openai/gpt-4.1-mini', 'openai/gpt-4o-mini'], 'anthropic/claude-opus-4-1': [] };

export class UpdateModelEquivalenceDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string' } },
    example: EQUIVALENCE_EXAMPLE,
    description:
      "The organization's lines, replacing its previous ones as a whole: for each `provider/model`, the cheaper alternatives to suggest, closest first; an empty list suggests nothing for it.",
  })
  @IsObject()
  overrides!: Record<string, string[]>;
}

export class ModelEquivalenceDto {
  @ApiProperty({ format: 'uuid' }) organizationId!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string' } },
    description: 'What the recommender uses.',
  })
  effective!: Record<string, string[]>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } }, example: EQUIVALENCE_EXAMPLE })
  overrides!: Record<string, string[]>;
  @ApiProperty({ example: -1, description: 'Also the ETag; -1 while the organization uses the repository table alone.' }) revision!: number;
}

export class RouteTrafficRowDto {
  @ApiProperty({ format: 'uuid', description: 'The route (GET /v1/projects/{projectId}/routes); a removed route keeps its figures.' })
  routeId!: string;
  @ApiProperty({ description: 'Every call the route served, cache hits and failures included.' }) calls!: number;
  @ApiProperty({ description: 'Calls recorded as errors: no target answered, or the answer was an error.' }) errors!: number;
  @ApiProperty({ description: 'Calls answered by a target after the first: a fallback.' }) fallbacks!: number;
  @ApiProperty({ description: "Calls answered from the route's response cache, at no cost." }) cacheHits!: number;
  @ApiProperty({ type: MoneyDto, description: "What the route's calls cost as recorded (cache hits cost nothing)." }) cost!: MoneyDto;
  @ApiProperty({
    type: MoneyDto,
    description: 'What the cache hits would have cost: the recorded cost of the calls whose answers they replayed.',
  })
  cacheSaved!: MoneyDto;
}

export class RouteTrafficDto {
  @ApiProperty({ type: TrafficWindowDto, description: 'The UTC days counted: every day the range touches.' }) window!: TrafficWindowDto;
  @ApiProperty({ type: [RouteTrafficRowDto], description: 'Routes with at least one call in the window, most calls first.' })
  routes!: RouteTrafficRowDto[];
}
