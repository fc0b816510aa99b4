import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, Length, Matches, Min, ValidateNested } from 'class-validator';
import { MAX_RATE_INTEGER_DIGITS, USAGE_LIMITS } from '@llmlab/contracts';
import { NoQuery, WithCursorPaging } from '../http/paging.dto';
import { IsInstant } from '../http/date-range.dto';

const RATE = new RegExp(`^\\d{1,${MAX_RATE_INTEGER_DIGITS}}(\\.\\d{1,12})?$`);
const RATE_MESSAGE = 'must be a decimal string (USD per million tokens), e.g. "0.15"';
const CLOCK = /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/;
const PATTERN_KINDS = ['exact', 'prefix', 'suffix', 'contains', 'regex', 'all', 'any'] as const;

function Rate(required: boolean, description: string) {
  return applyDecorators(
    (required ? ApiProperty : ApiPropertyOptional)({ example: '0.15', pattern: RATE.source, description }),
    ...(required ? [] : [IsOptional()]),
    Matches(RATE, { message: RATE_MESSAGE }),
  );
}

/** USD per million tokens of each kind (perRequest: USD per request), as decimal strings. */
export class PriceRatesDto {
  @Rate(true, 'Input tokens not read from or written to the cache.') input!: string;
  @Rate(true, 'Output tokens.') output!: string;
  @Rate(false, 'Cached input tokens (read from the cache).') cachedInput?: string;
  @Rate(false, 'Input tokens written to the cache.') cacheWrite?: string;
  @Rate(false, 'Input tokens written to a 1-hour cache entry.') cacheWrite1h?: string;
  @Rate(false, 'Reasoning tokens, when priced apart from output.') reasoning?: string;
  @Rate(false, 'Audio input tokens.') inputAudio?: string;
  @Rate(false, 'Cached audio input tokens.') cachedInputAudio?: string;
  @Rate(false, 'Audio output tokens.') outputAudio?: string;
  @Rate(false, 'Image input tokens.') inputImage?: string;
  @Rate(false, 'Cached image input tokens.') cachedInputImage?: string;
  @Rate(false, 'Image output tokens.') outputImage?: string;
  @Rate(false, 'USD per request, on top of the tokens.') perRequest?: string;
}

export class ModelPatternDto {
  @ApiProperty({ enum: PATTERN_KINDS, description: 'all / any combine `patterns`; the others compare `value`, ignoring case.' })
  @IsIn(PATTERN_KINDS)
  kind!: (typeof PATTERN_KINDS)[number];

  @ApiPropertyOptional({ example: 'gpt-4o-mini-' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  value?: string;

  @ApiPropertyOptional({ type: () => [ModelPatternDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => ModelPatternDto)
  patterns?: ModelPatternDto[];
}

export class TimeOfDayDto {
  @ApiProperty({ example: '16:30:00', description: 'UTC, included.' })
  @Matches(CLOCK, { message: 'must be HH:MM:SS' })
  from!: string;

  @ApiProperty({ example: '00:30:00', description: 'UTC, excluded.' })
  @Matches(CLOCK, { message: 'must be HH:MM:SS' })
  to!: string;
}

export class PriceTierDto {
  @ApiProperty({ example: 200000, description: 'Above this many input tokens, every token of the call is billed at `rates`.' })
  @IsInt()
  @Min(0)
  aboveInputTokens!: number;

  @ApiProperty({ type: PriceRatesDto })
  @ValidateNested()
  @Type(() => PriceRatesDto)
  rates!: PriceRatesDto;
}

export class PriceEntryDto {
  @ApiProperty() id!: string;
  @ApiProperty({ example: 'openai' }) provider!: string;
  @ApiProperty({ example: 'gpt-4o-mini' }) model!: string;
  @ApiPropertyOptional({ type: [String] }) aliases?: string[];
  @ApiPropertyOptional({ type: () => [ModelPatternDto] }) patterns?: ModelPatternDto[];
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'null: since always.' }) effectiveFrom!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'null: open-ended.' }) effectiveTo!: string | null;
  @ApiPropertyOptional({ type: TimeOfDayDto }) timeOfDay?: TimeOfDayDto;
  @ApiProperty({ enum: ['USD'] }) currency!: 'USD';
  @ApiProperty({ type: PriceRatesDto }) rates!: PriceRatesDto;
  @ApiPropertyOptional({ type: [PriceTierDto] }) tiers?: PriceTierDto[];
}

export class PriceDataAttributionDto {
  @ApiProperty({ example: 'genai-prices' }) name!: string;
  @ApiProperty({ example: 'Pydantic' }) author!: string;
  @ApiProperty({ example: 'MIT' }) license!: string;
  @ApiProperty({ format: 'uri' }) url!: string;
}

export class PricingModelsPageDto {
  @ApiProperty({ type: PriceEntryDto, isArray: true, description: 'By provider, then model.' }) data!: PriceEntryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
  @ApiProperty({ type: PriceDataAttributionDto, description: 'The dataset the catalog is seeded from.' })
  attribution!: PriceDataAttributionDto;
}

export class PricingModelsQueryDto extends WithCursorPaging(NoQuery) {
  @ApiPropertyOptional({ example: 'gpt-4o', description: 'Part of a model id, or an exact alias; case-insensitive.' })
  @IsOptional()
  @IsString()
  @Length(1, USAGE_LIMITS.maxModelLength)
  search?: string;

  @ApiPropertyOptional({ example: 'anthropic' })
  @IsOptional()
  @IsString()
  @Length(1, USAGE_LIMITS.maxProviderLength)
  provider?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Prices in force at this instant; now by default.' })
  @IsOptional()
  @IsInstant()
  at?: string;
}

export class CreatePriceOverrideDto {
  @ApiProperty({ example: 'openai', description: 'The provider the price applies to (only that one).' })
  @IsString()
  @Length(1, USAGE_LIMITS.maxProviderLength)
  provider!: string;

  @ApiProperty({ example: 'gpt-4o-mini' })
  @IsString()
  @Length(1, USAGE_LIMITS.maxModelLength)
  model!: string;

  @ApiPropertyOptional({ type: [String], description: 'Other model ids this price answers to.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, USAGE_LIMITS.maxModelLength, { each: true })
  aliases?: string[];

  @ApiPropertyOptional({ type: () => [ModelPatternDto], description: 'How dated or variant model ids find this price.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => ModelPatternDto)
  patterns?: ModelPatternDto[];

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Absent or null: since always. A past instant reprices what it covers.',
  })
  @IsOptional()
  @IsInstant()
  effectiveFrom?: string | null;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description: 'Absent or null: open-ended.' })
  @IsOptional()
  @IsInstant()
  effectiveTo?: string | null;

  @ApiPropertyOptional({ type: TimeOfDayDto, description: 'Only during this daily UTC window (off-peak prices).' })
  @IsOptional()
  @ValidateNested()
  @Type(() => TimeOfDayDto)
  timeOfDay?: TimeOfDayDto;

  @ApiPropertyOptional({ enum: ['USD'], default: 'USD' })
  @IsOptional()
  @IsIn(['USD'])
  currency?: 'USD';

  @ApiProperty({ type: PriceRatesDto })
  @ValidateNested()
  @Type(() => PriceRatesDto)
  rates!: PriceRatesDto;

  @ApiPropertyOptional({ type: [PriceTierDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => PriceTierDto)
  tiers?: PriceTierDto[];
}

export class PriceOverrideDto extends PriceEntryDto {
  @ApiProperty({ format: 'uuid' }) organizationId!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ example: 'user:0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f50', description: '<actor type>:<actor id> of whoever set it.' })
  createdBy!: string;
}

export class PriceOverrideListDto {
  @ApiProperty({ type: PriceOverrideDto, isArray: true, description: 'In the order they were set.' }) data!: PriceOverrideDto[];
}

export class RefreshPricingDto {
  @ApiPropertyOptional({
    enum: ['bundled', 'remote'],
    default: 'bundled',
    description:
      'bundled: the data shipped with the installed @pydantic/genai-prices; remote: its latest published data (PRICING_DATA_URL).',
  })
  @IsOptional()
  @IsIn(['bundled', 'remote'])
  source?: 'bundled' | 'remote';
}

export class RefreshPricingResultDto {
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'null: the data equals the catalog, nothing changed.' })
  refreshId!: string | null;
  @ApiProperty() contentHash!: string;
  @ApiProperty({ description: 'Entries (or new versions) opened.' }) opened!: number;
  @ApiProperty({ description: 'Entries whose period now ends elsewhere.' }) closed!: number;
  @ApiProperty({ description: 'Entries that had not started yet and were withdrawn.' }) withdrawn!: number;
  @ApiProperty({ description: 'Entries in the catalog after the refresh, closed periods included.' }) entries!: number;
}
