import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsUUID } from 'class-validator';
import {
  ALERT_KINDS,
  ALERT_STATES,
  BUDGET_PERIODS,
  CHANNEL_TYPES,
  DELIVERY_STATES,
  RECONCILIATION_DIRECTIONS,
  type AlertKind,
  type AlertResolution,
  type AlertState,
  type AuditIntegrityFailure,
  type BudgetScopeType,
  type ChannelType,
  type DeliveryAttemptOutcome,
  type DeliveryState,
  type ReconciliationDirection,
} from '@llmlab/contracts';
import { MoneyDto } from '../costs/costs.dto';
import { SCOPE_TYPES } from './budgets.dto';
import { NoQuery, WithCursorPaging } from '../http/paging.dto';

const RESOLUTIONS: readonly AlertResolution[] = ['period-ended', 'condition-cleared', 'superseded', 'budget-deleted', 'budget-changed'];
/** Every check of the audit service's verification (a record, so a new one added to the contract must be listed here). */
const INTEGRITY_FAILURES = Object.keys({
  chain_broken: true,
  position_gap: true,
  anchor_changed: true,
  signed_root_mismatch: true,
} satisfies Record<AuditIntegrityFailure, true>) as AuditIntegrityFailure[];
export const OUTCOMES: readonly DeliveryAttemptOutcome[] = ['delivered', 'retryable', 'permanent', 'dead'];
const MAX_LIMIT = 200;

export class ListAlertsQueryDto extends WithCursorPaging(NoQuery, { max: MAX_LIMIT, defaultLimit: 50 }) {
  @ApiPropertyOptional({ enum: ALERT_STATES })
  @IsOptional()
  @IsIn(ALERT_STATES)
  state?: AlertState;

  @ApiPropertyOptional({ enum: ALERT_KINDS })
  @IsOptional()
  @IsIn(ALERT_KINDS)
  kind?: AlertKind;

  @ApiPropertyOptional({ format: 'uuid', description: "Only this budget's alerts (thresholds and forecasts)." })
  @IsOptional()
  @IsUUID('all', { message: 'must be a budget id (UUID)' })
  budgetId?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Fired at or after this instant.' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be an RFC 3339 date-time, e.g. 2025-06-01T00:00:00Z' })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Fired before this instant.' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be an RFC 3339 date-time, e.g. 2025-06-01T00:00:00Z' })
  to?: string;
}

export class TagDto {
  @ApiProperty({ example: 'feature' }) key!: string;
  @ApiProperty({ example: 'search' }) value!: string;
}

export class AlertScopeDto {
  @ApiProperty({ enum: SCOPE_TYPES }) type!: BudgetScopeType;
  @ApiProperty({ example: 'project checkout-bot', description: 'As the notification shows it.' }) description!: string;
  @ApiPropertyOptional({ format: 'uuid' }) projectId?: string;
  @ApiPropertyOptional({ type: TagDto }) tag?: TagDto;
  @ApiPropertyOptional({ example: 'u_123' }) userId?: string;
}

export class NamedRefDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'Acme' }) name!: string;
}

export class NotificationScopeDto {
  @ApiProperty({ enum: SCOPE_TYPES }) type!: BudgetScopeType;
  @ApiProperty({ example: 'project checkout-bot' }) description!: string;
}

export class NotificationPeriodDto {
  @ApiProperty({ enum: [...BUDGET_PERIODS, 'hourly', 'window'] }) unit!: string;
  @ApiProperty({ format: 'date-time' }) start!: string;
  @ApiProperty({ format: 'date-time' }) end!: string;
  @ApiProperty({ example: 'Europe/Paris' }) timeZone!: string;
}

/** What every channel was sent (docs/alerting.md, "The alert payload"): the common fields, then those of its kind. */
export class AlertNotificationDto {
  @ApiProperty({ enum: ALERT_KINDS }) kind!: AlertKind;
  @ApiProperty({ format: 'uuid' }) alertId!: string;
  @ApiProperty({ type: NamedRefDto }) organization!: NamedRefDto;
  @ApiProperty({ type: NotificationScopeDto }) scope!: NotificationScopeDto;
  @ApiProperty({ type: NotificationPeriodDto }) period!: NotificationPeriodDto;
  @ApiProperty({ format: 'uri', description: 'Where the alert is shown in LLMLab.' }) link!: string;
  @ApiProperty({ format: 'date-time' }) firedAt!: string;
  @ApiPropertyOptional({ type: MoneyDto, description: 'threshold, forecast: spend in the period; anomaly: spend in the hour.' })
  spend?: MoneyDto;
  @ApiPropertyOptional({ type: MoneyDto, description: 'threshold, forecast: the budget amount.' }) budget?: MoneyDto;
  @ApiPropertyOptional({ example: '81.24', description: 'threshold: spend / budget; forecast: projected / budget.' }) percentage?: string;
  @ApiPropertyOptional({ example: '80', description: 'threshold: the percent crossed.' }) threshold?: string;
  @ApiPropertyOptional({ type: MoneyDto, description: 'forecast: projected period-end spend.' }) projected?: MoneyDto;
  @ApiPropertyOptional({ type: MoneyDto, description: 'anomaly: what that hour usually costs.' }) baseline?: MoneyDto;
  @ApiPropertyOptional({ example: '9.8', description: 'anomaly: distance from the baseline in robust spreads.' }) score?: string;
  @ApiPropertyOptional({ example: 120, description: 'error_rate: calls in the hour.' }) requests?: number;
  @ApiPropertyOptional({ example: 30, description: 'error_rate: failed calls in the hour.' }) errors?: number;
  @ApiPropertyOptional({ example: '25.0', description: 'error_rate: percent.' }) errorRate?: string;
  @ApiPropertyOptional({ example: '0.4', description: 'error_rate: the usual percent.' }) baselineRate?: string;
  @ApiPropertyOptional({ example: 40, description: 'trace_failures: traces of the project evaluated in the hour.' }) traces?: number;
  @ApiPropertyOptional({ example: 14, description: 'trace_failures: how many of them the detectors flagged.' }) flagged?: number;
  @ApiPropertyOptional({ example: '35.00', description: 'trace_failures: flagged / evaluated, percent.' }) flaggedRate?: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { tool_loop: 9, error: 6 },
    description: 'trace_failures: flagged traces per flag type (a trace with two flags counts in both).',
  })
  flags?: Record<string, number>;
  @ApiPropertyOptional({ type: [String], description: 'trace_failures: up to three flagged trace ids, most recent first.' })
  examples?: string[];
  @ApiPropertyOptional({ example: 12, description: 'unpriced: records that could not be priced.' }) records?: number;
  @ApiPropertyOptional({ type: [String], description: 'unpriced: their models.' }) models?: string[];
  @ApiPropertyOptional({ example: 'openai', description: 'reconciliation: the provider.' }) provider?: string;
  @ApiPropertyOptional({ example: '2025-06-17', description: 'reconciliation: the UTC day.' }) day?: string;
  @ApiPropertyOptional({ enum: RECONCILIATION_DIRECTIONS, description: 'reconciliation: billed above recorded, or below.' })
  direction?: ReconciliationDirection;
  @ApiPropertyOptional({ type: MoneyDto, description: 'reconciliation: recorded spend of the day.' }) recorded?: MoneyDto;
  @ApiPropertyOptional({ type: MoneyDto, description: "reconciliation: the provider's bill of the day." }) billed?: MoneyDto;
  @ApiPropertyOptional({ type: MoneyDto, description: 'reconciliation: |billed − recorded|.' }) difference?: MoneyDto;
  @ApiPropertyOptional({ type: 'integer', example: 1042, description: 'audit_integrity: the first event store position found wrong.' })
  position?: number;
  @ApiPropertyOptional({
    enum: INTEGRITY_FAILURES,
    description: "audit_integrity: which check of the audit service's verification failed.",
  })
  reason?: AuditIntegrityFailure;
  @ApiPropertyOptional({
    example: 'event 1042 is no longer the event the audit tree recorded: the store was rewritten from there on',
    description: "audit_integrity: the audit service's finding, one sentence (never the event's content).",
  })
  detail?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'audit_integrity: when the verification found it.' }) detectedAt?: string;
}

export class AlertDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) organizationId!: string;
  @ApiProperty({ enum: ALERT_KINDS }) kind!: AlertKind;
  @ApiProperty({ enum: ALERT_STATES, description: 'firing, then acknowledged (by a person) and/or resolved (by the rules).' })
  state!: AlertState;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Threshold and forecast alerts.' }) budgetId!: string | null;
  @ApiProperty({ type: AlertScopeDto }) scope!: AlertScopeDto;
  @ApiProperty({ format: 'date-time' }) firedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) acknowledgedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'user:0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f50' }) acknowledgedBy!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) resolvedAt!: string | null;
  @ApiProperty({ type: String, enum: RESOLUTIONS, nullable: true }) resolution!: AlertResolution | null;
  @ApiProperty({ type: AlertNotificationDto }) notification!: AlertNotificationDto;
  @ApiProperty({ example: 0 }) revision!: number;
}

export class AlertListDto {
  @ApiProperty({ type: AlertDto, isArray: true, description: 'Newest first.' }) data!: AlertDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class DeliveryAttemptDto {
  @ApiProperty({ example: 1 }) attempt!: number;
  @ApiProperty({ enum: OUTCOMES }) outcome!: DeliveryAttemptOutcome;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'rate-limited',
    description: 'server-error, rate-limited, network, timeout, rejected, redirect, refused, …',
  })
  reason!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 429 }) httpStatus!: number | null;
  @ApiProperty({ example: '429 Too Many Requests', description: "The receiver's short answer or what failed; never the URL." })
  detail!: string;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 4000,
    description: "The wait before the next attempt (a receiver's Retry-After included).",
  })
  retryInMs!: number | null;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class DeliveryDto {
  @ApiProperty({ example: '<alertId>:<channelId>', description: 'The idempotency key webhooks receive as X-LLMLab-Delivery.' }) id!: string;
  @ApiProperty({ format: 'uuid' }) alertId!: string;
  @ApiProperty({ format: 'uuid' }) channelId!: string;
  @ApiProperty({ enum: CHANNEL_TYPES }) channelType!: ChannelType;
  @ApiProperty({ example: 'ops' }) channelName!: string;
  @ApiProperty({ enum: DELIVERY_STATES, description: 'failed: refused for good; dead: still failing after the last retry.' })
  state!: DeliveryState;
  @ApiProperty({ example: 1 }) attempts!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastAttemptAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deliveredAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ type: DeliveryAttemptDto, isArray: true, description: 'Every attempt, oldest first.' }) log!: DeliveryAttemptDto[];
}

export class DeliveryListDto {
  @ApiProperty({ type: DeliveryDto, isArray: true, description: 'One per channel the organization had when the alert fired.' })
  data!: DeliveryDto[];
}
