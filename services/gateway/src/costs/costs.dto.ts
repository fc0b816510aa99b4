import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { DateRangeQueryDto } from '../http/date-range.dto';
import { WithLimit } from '../http/paging.dto';

/** Rows, records or entries per page: 1 to 1,000, 100 when absent (the ingestion service's bounds). */

export class MoneyDto {
  @ApiProperty({ example: '12.345678901234', pattern: '^\\d+(\\.\\d+)?$', description: 'A decimal string, never a float.' })
  amount!: string;
  @ApiProperty({ enum: ['USD'] }) currency!: 'USD';
}

export class TokenTotalsDto {
  @ApiProperty({ description: 'Every input token, cached ones included.' }) input!: number;
  @ApiProperty({ description: 'Every output token, reasoning included.' }) output!: number;
  @ApiProperty({ description: 'Part of input read from the prompt cache.' }) cachedInput!: number;
  @ApiProperty({ description: 'Part of input written to the prompt cache.' }) cacheWrite!: number;
  @ApiProperty({ description: 'Part of output spent on reasoning.' }) reasoning!: number;
  @ApiProperty({ description: 'input + output.' }) total!: number;
}

export class CostTotalsDto {
  @ApiProperty({ type: MoneyDto, description: 'Priced and explicit costs; unpriced records add nothing and are counted in `unpriced`.' })
  cost!: MoneyDto;
  @ApiProperty() requests!: number;
  @ApiProperty({ description: 'Requests with status error.' }) errors!: number;
  @ApiProperty({ description: 'Records no price covers yet: repriced when one arrives.' }) unpriced!: number;
  @ApiProperty({ type: TokenTotalsDto }) tokens!: TokenTotalsDto;
}

export class PreviousPeriodDto extends CostTotalsDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
}

export class TraceCountsDto {
  @ApiProperty() total!: number;
  @ApiProperty({ description: 'Traces a detector flagged (their latest evaluation).' }) flagged!: number;
}

export class CostSummaryDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ type: CostTotalsDto }) current!: CostTotalsDto;
  @ApiProperty({ type: PreviousPeriodDto, description: 'The period of the same length just before `from`.' }) previous!: PreviousPeriodDto;
  @ApiProperty({ type: TraceCountsDto, description: 'The traces that started in the range.' }) traces!: TraceCountsDto;
}

export class CostBreakdownRowDto extends CostTotalsDto {
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'The group: provider, model, project id, user id, tag value, root span name of the trace, or the start of the day or hour (UTC). ' +
      'null: records without a user, or in no named trace.',
  })
  key!: string | null;

  @ApiPropertyOptional({ example: 'gpt-4o-mini', description: 'With `splitBy`: the value of the second dimension.' })
  split?: string;
}

export class CostBreakdownDto {
  @ApiProperty({ example: 'model' }) groupBy!: string;
  @ApiPropertyOptional({ enum: ['provider', 'model', 'project'], description: 'The second dimension, when asked for.' })
  splitBy?: string;
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ type: CostBreakdownRowDto, isArray: true, description: 'By cost, descending, then by key.' }) rows!: CostBreakdownRowDto[];
}

export class CostSummaryQueryDto extends DateRangeQueryDto {}

const TAG_GROUP = 'tag:[^\\u0000-\\u001f]{1,64}';
const TRACE_GROUP =
  'trace: the records of the range by the root span name of their trace; the null row holds the records in no ' +
  'trace, or in one whose root span has not arrived, so that the rows add up to the summary. Summed from the records.';

/** The second dimension and the filters both breakdowns take. */
class BreakdownRefinementsDto extends DateRangeQueryDto {
  @ApiPropertyOptional({ type: String, maxLength: 200, description: 'Only the records of this provider.' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  provider?: string;

  @ApiPropertyOptional({ type: String, maxLength: 200, description: 'Only the records of this model (exact id as recorded).' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  model?: string;
}

export class ProjectCostBreakdownQueryDto extends WithLimit(BreakdownRefinementsDto, { description: 'Rows returned.' }) {
  @ApiPropertyOptional({
    enum: ['provider', 'model'],
    description: 'Split each group by this too (e.g. groupBy=day&splitBy=model for a stacked chart): one row per pair.',
  })
  @IsOptional()
  @IsIn(['provider', 'model'])
  splitBy?: 'provider' | 'model';

  @ApiProperty({
    example: 'model',
    pattern: `^(provider|model|day|hour|user|trace|${TAG_GROUP})$`,
    description: `provider, model, day, hour, user, trace or tag:<name>. ${TRACE_GROUP}`,
  })
  @Matches(new RegExp(`^(provider|model|day|hour|user|trace|${TAG_GROUP})$`), {
    message: 'must be provider, model, day, hour, user, trace or tag:<name>',
  })
  groupBy!: string;
}

export class OrganizationCostBreakdownQueryDto extends WithLimit(BreakdownRefinementsDto, { description: 'Rows returned.' }) {
  @ApiPropertyOptional({
    enum: ['provider', 'model', 'project'],
    description: 'Split each group by this too (e.g. groupBy=day&splitBy=project for a stacked chart): one row per pair.',
  })
  @IsOptional()
  @IsIn(['provider', 'model', 'project'])
  splitBy?: 'provider' | 'model' | 'project';

  @ApiProperty({
    example: 'project',
    pattern: `^(project|provider|model|day|hour|user|trace|${TAG_GROUP})$`,
    description: `project, provider, model, day, hour, user, trace or tag:<name>. ${TRACE_GROUP}`,
  })
  @Matches(new RegExp(`^(project|provider|model|day|hour|user|trace|${TAG_GROUP})$`), {
    message: 'must be project, provider, model, day, hour, user, trace or tag:<name>',
  })
  groupBy!: string;
}
