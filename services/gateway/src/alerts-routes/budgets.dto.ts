import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsTimeZone,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  registerDecorator,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  BUDGET_LIMITS,
  BUDGET_PERIODS,
  DEFAULT_BUDGET_THRESHOLDS,
  type BudgetPeriod,
  type BudgetScope,
  type BudgetScopeType,
} from '@llmlab/contracts';
// One money schema in the document: the costs routes' decimal string and currency.
import { MoneyDto } from '../costs/costs.dto';

export const SCOPE_TYPES: readonly BudgetScopeType[] = ['organization', 'project', 'tag', 'end_user'];
const AMOUNT = new RegExp(`^\\d{1,${BUDGET_LIMITS.maxAmountIntegerDigits}}(\\.\\d{1,${BUDGET_LIMITS.maxAmountFractionDigits}})?$`);
const TIME_ZONE_MESSAGE = 'must be an IANA time zone, e.g. Europe/Paris';
const ENFORCE_DESCRIPTION =
  "The proxy refuses the calls the budget covers (429 naming the budget) once the period's spend and the calls in flight " +
  'reach the amount. Organization, project and tag budgets only; usage sent with POST /v1/usage is counted, never refused.';

/**
 * A field of one scope type only: checked when the scope has that type, refused with any other (a `projectId` on
 * an organization budget is a mistake the caller should hear about, not a field to drop).
 */
function ScopeField(type: BudgetScopeType) {
  return (target: object, propertyName: string) => {
    ValidateIf((scope: Record<string, unknown>) => scope.type === type || scope[propertyName] !== undefined)(target, propertyName);
    registerDecorator({
      name: 'scopeField',
      target: target.constructor,
      propertyName,
      options: { message: `is only for the scope type ${type}` },
      validator: { validate: (_value: unknown, args) => (args?.object as { type?: unknown }).type === type },
    });
  };
}

export class BudgetScopeDto {
  @ApiProperty({ enum: SCOPE_TYPES, description: 'What the budget counts: the organization, one project, one tag value or one end user.' })
  @IsIn(SCOPE_TYPES)
  type!: BudgetScopeType;

  @ApiPropertyOptional({ format: 'uuid', description: 'With `project`: a project of the organization.' })
  @ScopeField('project')
  @IsUUID('all', { message: 'must be a project id (UUID)' })
  projectId?: string;

  @ApiPropertyOptional({ example: 'feature', maxLength: BUDGET_LIMITS.maxTagKeyLength, description: 'With `tag`: the tag name.' })
  @ScopeField('tag')
  @IsString()
  @Length(1, BUDGET_LIMITS.maxTagKeyLength)
  key?: string;

  @ApiPropertyOptional({ example: 'search', maxLength: BUDGET_LIMITS.maxTagValueLength, description: 'With `tag`: the tag value.' })
  @ScopeField('tag')
  @IsString()
  @Length(1, BUDGET_LIMITS.maxTagValueLength)
  value?: string;

  @ApiPropertyOptional({
    example: 'u_123',
    maxLength: BUDGET_LIMITS.maxUserIdLength,
    description: 'With `end_user`: the `userId` your usage events carry (your own, pseudonymous id of the end user).',
  })
  @ScopeField('end_user')
  @IsString()
  @Length(1, BUDGET_LIMITS.maxUserIdLength)
  userId?: string;
}

export class BudgetAmountDto {
  @ApiProperty({ example: '1000.00', pattern: AMOUNT.source, description: 'Positive decimal string.' })
  @Matches(AMOUNT, {
    message: `must be a decimal string with at most ${BUDGET_LIMITS.maxAmountIntegerDigits} digits before the point and ${BUDGET_LIMITS.maxAmountFractionDigits} after`,
  })
  amount!: string;

  @ApiProperty({ enum: ['USD'], description: 'USD, the currency usage is accounted in.' })
  @IsIn(['USD'], { message: 'must be USD, the currency usage is accounted in' })
  currency!: 'USD';
}

function Thresholds() {
  return applyDecorators(
    ApiPropertyOptional({
      type: [Number],
      example: DEFAULT_BUDGET_THRESHOLDS,
      description: `Whole percents of the amount at which the budget alerts, 1 to ${BUDGET_LIMITS.maxThresholdPercent}; ${DEFAULT_BUDGET_THRESHOLDS.join(', ')} when absent.`,
    }),
    IsOptional(),
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(BUDGET_LIMITS.maxThresholds),
    IsInt({ each: true }),
    Min(1, { each: true }),
    Max(BUDGET_LIMITS.maxThresholdPercent, { each: true }),
  );
}

export class CreateBudgetDto {
  @ApiProperty({ example: 'Checkout bot, monthly', minLength: 1, maxLength: BUDGET_LIMITS.maxNameLength })
  @IsString()
  @Length(1, BUDGET_LIMITS.maxNameLength)
  name!: string;

  @ApiProperty({ type: BudgetScopeDto, example: { type: 'project', projectId: '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f51' } })
  @ValidateNested()
  @Type(() => BudgetScopeDto)
  // Typed as the contract's union: BudgetScopeDto's validation admits exactly its members.
  scope!: BudgetScope;

  @ApiProperty({ enum: BUDGET_PERIODS, description: "On the calendar of the budget's time zone; weeks start on Monday." })
  @IsIn(BUDGET_PERIODS)
  period!: BudgetPeriod;

  @ApiProperty({ type: BudgetAmountDto })
  @ValidateNested()
  @Type(() => BudgetAmountDto)
  amount!: BudgetAmountDto;

  @Thresholds()
  thresholds?: number[];

  @ApiPropertyOptional({
    example: 'Europe/Paris',
    description: "IANA zone of the periods; the organization's alert settings' zone when absent.",
  })
  @IsOptional()
  @IsTimeZone({ message: TIME_ZONE_MESSAGE })
  timeZone?: string;

  @ApiPropertyOptional({ default: false, description: ENFORCE_DESCRIPTION })
  @IsOptional()
  @IsBoolean()
  enforce?: boolean;
}

/** The scope cannot change: a budget for another scope is another budget. */
export class UpdateBudgetDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: BUDGET_LIMITS.maxNameLength })
  @IsOptional()
  @IsString()
  @Length(1, BUDGET_LIMITS.maxNameLength)
  name?: string;

  @ApiPropertyOptional({ enum: BUDGET_PERIODS, description: 'A new period resolves the alerts of the old one.' })
  @IsOptional()
  @IsIn(BUDGET_PERIODS)
  period?: BudgetPeriod;

  @ApiPropertyOptional({ type: BudgetAmountDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => BudgetAmountDto)
  amount?: BudgetAmountDto;

  @Thresholds()
  thresholds?: number[];

  @ApiPropertyOptional({ example: 'Europe/Paris' })
  @IsOptional()
  @IsTimeZone({ message: TIME_ZONE_MESSAGE })
  timeZone?: string;

  @ApiPropertyOptional({ description: ENFORCE_DESCRIPTION })
  @IsOptional()
  @IsBoolean()
  enforce?: boolean;
}

export class BudgetPeriodDto {
  @ApiProperty({ enum: BUDGET_PERIODS }) unit!: BudgetPeriod;
  @ApiProperty({ format: 'date-time', description: 'Included.' }) start!: string;
  @ApiProperty({ format: 'date-time', description: 'Excluded.' }) end!: string;
  @ApiProperty({ example: 'monthly:2025-06-01', description: 'Stable name of the period.' }) key!: string;
  @ApiProperty({ example: 'Europe/Paris' }) timeZone!: string;
}

export class BudgetForecastDto {
  @ApiProperty({ type: MoneyDto, description: 'Projected spend at the end of the period.' }) projected!: MoneyDto;
  @ApiProperty({ example: '118.75', description: 'The projection as a percentage of the amount.' }) percentage!: string;
  @ApiProperty({
    enum: ['weighted-average', 'weekday-seasonal', 'period-run-rate', 'spend-to-date'],
    description: 'docs/alerting.md, "The forecast rule".',
  })
  method!: string;
  @ApiProperty({ example: '38.20', description: 'Expected spend per local day.' }) dailyRate!: string;
  @ApiProperty({ example: 14, description: 'Complete local days of history used.' }) historyDays!: number;
  @ApiProperty({ example: '12.4', description: 'What is left of the period, in local days.' }) remainingDays!: string;
}

export class BudgetStatusDto {
  @ApiProperty({ type: BudgetPeriodDto, description: 'The current period.' }) period!: BudgetPeriodDto;
  @ApiProperty({ type: MoneyDto, description: 'Spend in the current period, live.' }) spend!: MoneyDto;
  @ApiProperty({ example: '81.24', description: 'Spend as a percentage of the amount.' }) percentage!: string;
  @ApiProperty({ type: [Number], example: [50, 80], description: 'Thresholds the spend has reached in this period.' })
  thresholdsReached!: number[];
  @ApiProperty({ type: BudgetForecastDto }) forecast!: BudgetForecastDto;
  @ApiProperty({ example: 0, description: 'Records in the period that could not be priced: the spend is incomplete until they are.' })
  unpricedRecords!: number;
  @ApiProperty({ format: 'date-time' }) asOf!: string;
}

export class BudgetDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) organizationId!: string;
  @ApiProperty({ example: 'Checkout bot, monthly' }) name!: string;
  @ApiProperty({ type: BudgetScopeDto }) scope!: BudgetScope;
  @ApiProperty({ enum: BUDGET_PERIODS }) period!: BudgetPeriod;
  @ApiProperty({ type: MoneyDto }) amount!: MoneyDto;
  @ApiProperty({ type: [Number], example: DEFAULT_BUDGET_THRESHOLDS }) thresholds!: number[];
  @ApiProperty({ example: 'Europe/Paris' }) timeZone!: string;
  @ApiProperty({ description: ENFORCE_DESCRIPTION }) enforce!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ example: 0, description: 'Also the ETag; send it in If-Match to update only this version.' }) revision!: number;
  @ApiProperty({ type: BudgetStatusDto, description: 'Live spend and forecast of the current period, computed when read.' })
  current!: BudgetStatusDto;
}

export class BudgetListDto {
  @ApiProperty({ type: BudgetDto, isArray: true }) data!: BudgetDto[];
}
