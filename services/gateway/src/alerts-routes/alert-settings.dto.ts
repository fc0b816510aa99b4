import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsNumber, IsOptional, IsTimeZone, Matches, Max, Min, ValidateNested } from 'class-validator';
import { DEFAULT_ALERT_RULES, DEFAULT_ALERT_TIME_ZONE } from '@llmlab/contracts';

// The bounds are the alerts service's (settings.decider.ts), which checks them again.
const MAX_COOLDOWN_MINUTES = 10_080;
const POSITIVE_DECIMAL = /^(?!0+(\.0+)?$)\d{1,16}(\.\d{1,12})?$/;
const defaults = DEFAULT_ALERT_RULES;

/** The threshold and unpriced rules have nothing to tune but the switch. */
export class RuleSwitchDto {
  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class ForecastRuleDto extends RuleSwitchDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: 1000,
    default: defaults.forecast.percent,
    description: 'Fires when the projection exceeds this percent of the budget.',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(1)
  @Max(1000)
  percent?: number;
}

export class AnomalyRuleDto extends RuleSwitchDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: 50,
    default: defaults.anomaly.sensitivity,
    description: 'Robust spreads above the usual spend of the hour.',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(1)
  @Max(50)
  sensitivity?: number;

  @ApiPropertyOptional({
    example: '1',
    default: defaults.anomaly.minIncrease,
    description: 'Least increase over the usual spend that counts, in USD (decimal string).',
  })
  @IsOptional()
  @Matches(POSITIVE_DECIMAL, { message: 'must be a positive decimal string' })
  minIncrease?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_COOLDOWN_MINUTES, default: defaults.anomaly.cooldownMinutes })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_COOLDOWN_MINUTES)
  cooldownMinutes?: number;
}

export class ErrorRateRuleDto extends RuleSwitchDto {
  @ApiPropertyOptional({ minimum: 0.1, maximum: 100, default: defaults.errorRate.minErrorRatePercent })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.1)
  @Max(100)
  minErrorRatePercent?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 1_000_000,
    default: defaults.errorRate.minRequests,
    description: 'Calls in the hour before a rate is judged.',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  minRequests?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_COOLDOWN_MINUTES, default: defaults.errorRate.cooldownMinutes })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_COOLDOWN_MINUTES)
  cooldownMinutes?: number;
}

export class TraceFailuresRuleDto extends RuleSwitchDto {
  @ApiPropertyOptional({
    minimum: 0.1,
    maximum: 100,
    default: defaults.traceFailures.minFlaggedPercent,
    description: "Share of a project's traces evaluated in a clock hour that the failure detectors flagged, in percent.",
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.1)
  @Max(100)
  minFlaggedPercent?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 1_000_000,
    default: defaults.traceFailures.minTraces,
    description: 'Traces evaluated in the hour before a share is judged.',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  minTraces?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_COOLDOWN_MINUTES, default: defaults.traceFailures.cooldownMinutes })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_COOLDOWN_MINUTES)
  cooldownMinutes?: number;
}

export class ReconciliationRuleDto extends RuleSwitchDto {
  @ApiPropertyOptional({
    example: '25',
    default: defaults.reconciliation.threshold,
    description: "Least difference between a provider's bill and the recorded spend of one UTC day that alerts, in USD.",
  })
  @IsOptional()
  @Matches(POSITIVE_DECIMAL, { message: 'must be a positive decimal string' })
  threshold?: string;
}

/** Only the rules and fields named change; the others keep their values. */
export class AlertRulesPatchDto {
  @ApiPropertyOptional({ type: RuleSwitchDto }) @IsOptional() @ValidateNested() @Type(() => RuleSwitchDto) threshold?: RuleSwitchDto;
  @ApiPropertyOptional({ type: ForecastRuleDto }) @IsOptional() @ValidateNested() @Type(() => ForecastRuleDto) forecast?: ForecastRuleDto;
  @ApiPropertyOptional({ type: AnomalyRuleDto }) @IsOptional() @ValidateNested() @Type(() => AnomalyRuleDto) anomaly?: AnomalyRuleDto;
  @ApiPropertyOptional({ type: ErrorRateRuleDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ErrorRateRuleDto)
  errorRate?: ErrorRateRuleDto;
  @ApiPropertyOptional({ type: TraceFailuresRuleDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => TraceFailuresRuleDto)
  traceFailures?: TraceFailuresRuleDto;
  @ApiPropertyOptional({ type: RuleSwitchDto }) @IsOptional() @ValidateNested() @Type(() => RuleSwitchDto) unpriced?: RuleSwitchDto;
  @ApiPropertyOptional({ type: ReconciliationRuleDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ReconciliationRuleDto)
  reconciliation?: ReconciliationRuleDto;
}

export class UpdateAlertSettingsDto {
  @ApiPropertyOptional({
    example: 'Europe/Paris',
    description: "IANA zone of the organization's calendar: new budgets' default, the day of the hourly rules.",
  })
  @IsOptional()
  @IsTimeZone({ message: 'must be an IANA time zone, e.g. Europe/Paris' })
  timeZone?: string;

  @ApiPropertyOptional({ type: AlertRulesPatchDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => AlertRulesPatchDto)
  rules?: AlertRulesPatchDto;
}

export class RuleEnabledDto {
  @ApiProperty() enabled!: boolean;
}

export class ForecastRuleSettingsDto extends RuleEnabledDto {
  @ApiProperty({ example: defaults.forecast.percent }) percent!: number;
}

export class AnomalyRuleSettingsDto extends RuleEnabledDto {
  @ApiProperty({ example: defaults.anomaly.sensitivity }) sensitivity!: number;
  @ApiProperty({ example: defaults.anomaly.minIncrease }) minIncrease!: string;
  @ApiProperty({ example: defaults.anomaly.cooldownMinutes }) cooldownMinutes!: number;
}

export class ErrorRateRuleSettingsDto extends RuleEnabledDto {
  @ApiProperty({ example: defaults.errorRate.minErrorRatePercent }) minErrorRatePercent!: number;
  @ApiProperty({ example: defaults.errorRate.minRequests }) minRequests!: number;
  @ApiProperty({ example: defaults.errorRate.cooldownMinutes }) cooldownMinutes!: number;
}

export class TraceFailuresRuleSettingsDto extends RuleEnabledDto {
  @ApiProperty({ example: defaults.traceFailures.minFlaggedPercent }) minFlaggedPercent!: number;
  @ApiProperty({ example: defaults.traceFailures.minTraces }) minTraces!: number;
  @ApiProperty({ example: defaults.traceFailures.cooldownMinutes }) cooldownMinutes!: number;
}

export class ReconciliationRuleSettingsDto extends RuleEnabledDto {
  @ApiProperty({ example: defaults.reconciliation.threshold }) threshold!: string;
}

export class AlertRulesDto {
  @ApiProperty({ type: RuleEnabledDto }) threshold!: RuleEnabledDto;
  @ApiProperty({ type: ForecastRuleSettingsDto }) forecast!: ForecastRuleSettingsDto;
  @ApiProperty({ type: AnomalyRuleSettingsDto }) anomaly!: AnomalyRuleSettingsDto;
  @ApiProperty({ type: ErrorRateRuleSettingsDto }) errorRate!: ErrorRateRuleSettingsDto;
  @ApiProperty({ type: TraceFailuresRuleSettingsDto }) traceFailures!: TraceFailuresRuleSettingsDto;
  @ApiProperty({ type: RuleEnabledDto }) unpriced!: RuleEnabledDto;
  @ApiProperty({ type: ReconciliationRuleSettingsDto }) reconciliation!: ReconciliationRuleSettingsDto;
}

export class AlertSettingsDto {
  @ApiProperty({ format: 'uuid' }) organizationId!: string;
  @ApiProperty({ example: DEFAULT_ALERT_TIME_ZONE }) timeZone!: string;
  @ApiProperty({ type: AlertRulesDto }) rules!: AlertRulesDto;
  @ApiProperty({ example: -1, description: 'Also the ETag; -1 while the organization runs on the defaults.' }) revision!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) updatedAt!: string | null;
}
