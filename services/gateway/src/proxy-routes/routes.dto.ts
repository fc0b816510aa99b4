import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { PROXY_PROVIDER_IDS, ROUTE_LIMITS, type ProxyProvider } from '@llmlab/contracts';

export class RouteTargetDto {
  @ApiProperty({
    enum: PROXY_PROVIDER_IDS,
    description:
      "The provider, called with the project's stored key for it (or, for the caller's own format, the caller's key): a call to a " +
      'provider of the same format goes as it came, a chat call to one of the other format is translated.',
  })
  @IsIn(PROXY_PROVIDER_IDS)
  provider!: ProxyProvider;

  @ApiProperty({ example: 'gpt-4o-mini', maxLength: ROUTE_LIMITS.maxModelLength, description: 'The model asked of this target.' })
  @IsString()
  @MinLength(1, { message: 'must not be empty' })
  @MaxLength(ROUTE_LIMITS.maxModelLength)
  model!: string;
}

export class SetRouteDto {
  @ApiProperty({
    example: 'chat-default',
    maxLength: ROUTE_LIMITS.maxModelLength,
    description:
      'The model name callers send: an alias of your own, or a real model whose calls get fallbacks. Setting it again replaces the route.',
  })
  @IsString()
  @MinLength(1, { message: 'must not be empty' })
  @MaxLength(ROUTE_LIMITS.maxModelLength)
  model!: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: ROUTE_LIMITS.maxFeatureLength,
    example: 'classify',
    description:
      "Only calls tagged with this feature (X-LLMLab-Tags: feature=…; '' for calls without a feature tag); null or absent: every call for " +
      "the model. A call takes its feature's route first, then the model's route for every call. One route per model and feature.",
  })
  @IsOptional()
  @IsString()
  @MaxLength(ROUTE_LIMITS.maxFeatureLength)
  feature?: string | null;

  @ApiProperty({
    type: [RouteTargetDto],
    minItems: 1,
    maxItems: ROUTE_LIMITS.maxTargets,
    description:
      'Tried in order: the next on 429, 5xx, a timeout or a connection error, after retries with backoff that honour Retry-After.',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ROUTE_LIMITS.maxTargets)
  @ValidateNested({ each: true })
  @Type(() => RouteTargetDto)
  targets!: RouteTargetDto[];

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: ROUTE_LIMITS.minTimeoutMs,
    maximum: ROUTE_LIMITS.maxTimeoutMs,
    description: "How long each target may take to send its status and headers; null: the operator's PROXY_UPSTREAM_TIMEOUT_MS.",
  })
  @IsOptional()
  @IsInt()
  @Min(ROUTE_LIMITS.minTimeoutMs)
  @Max(ROUTE_LIMITS.maxTimeoutMs)
  timeoutMs?: number | null;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: ROUTE_LIMITS.maxCacheTtlSeconds,
    description:
      'Opt-in exact-match response cache: a non-streamed answer is kept this long and replayed, at no cost, for the same ' +
      'request (keys sorted; user and metadata ignored). A hit is recorded as a call that cost nothing, with the money saved.',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(ROUTE_LIMITS.maxCacheTtlSeconds)
  cacheTtlSeconds?: number | null;
}

export class RouteDto {
  @ApiProperty({ format: 'uuid' }) routeId!: string;
  @ApiProperty({ example: 'chat-default' }) model!: string;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'Only calls tagged with this feature; null: every call.' })
  feature!: string | null;
  @ApiProperty({ type: [RouteTargetDto] }) targets!: RouteTargetDto[];
  @ApiProperty({ type: Number, nullable: true, example: null }) timeoutMs!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 3600 }) cacheTtlSeconds!: number | null;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The model right-sizing recommendation this route applies (POST /v1/recommendations/{id}/apply), or null.',
  })
  recommendationId!: string | null;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ example: 'user:0190f6c4-…' }) updatedBy!: string;
}
