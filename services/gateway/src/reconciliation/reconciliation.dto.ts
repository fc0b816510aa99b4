import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, Matches, ValidateNested } from 'class-validator';
import {
  DEFAULT_RECONCILIATION_TOLERANCE,
  RECONCILIATION_GROUPS,
  RECONCILIATION_STATUSES,
  type ReconciliationGroupBy,
  type ReconciliationStatus,
} from '@llmlab/contracts';
import { MoneyDto } from '../costs/costs.dto';
import { DateRangeQueryDto } from '../http/date-range.dto';

const PROVIDER = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
// The provider-sync service's bounds (reconciliation-settings.decider.ts), which it checks again.
const DECIMAL = /^\d{1,16}(\.\d{1,12})?$/;

export class TokenReconciliationQueryDto extends DateRangeQueryDto {
  @ApiPropertyOptional({ example: 'openai', description: 'Only this provider.' })
  @IsOptional()
  @Matches(PROVIDER, { message: 'must be a provider id, e.g. openai' })
  provider?: string;
}

export class ReconciliationQueryDto extends TokenReconciliationQueryDto {
  @ApiPropertyOptional({
    enum: RECONCILIATION_GROUPS,
    default: 'day',
    description: 'One row per UTC day and provider, and model or project.',
  })
  @IsOptional()
  @IsIn(RECONCILIATION_GROUPS)
  groupBy?: ReconciliationGroupBy;
}

export class ToleranceDto {
  @ApiProperty({ example: DEFAULT_RECONCILIATION_TOLERANCE.percent, description: 'Percent of the bill, a decimal string from 0 to 100.' })
  percent!: string;
  @ApiProperty({ example: DEFAULT_RECONCILIATION_TOLERANCE.amount, description: 'USD, a decimal string.' })
  amount!: string;
}

export class ReconciliationRowDto {
  @ApiProperty({ example: '2026-03-02', description: 'The UTC day.' }) day!: string;
  @ApiProperty({ example: 'openai' }) provider!: string;
  @ApiPropertyOptional({ example: 'gpt-4o', description: 'groupBy=model.' }) model?: string;
  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'groupBy=project: the LLMLab project, null for billed spend no project mapping covers.',
  })
  projectId?: string | null;
  @ApiProperty({ type: MoneyDto, description: 'What ingestion recorded.' }) recorded!: MoneyDto;
  @ApiProperty({ type: MoneyDto, description: 'What the provider billed (imported by the sync).' }) billed!: MoneyDto;
  @ApiProperty({ type: MoneyDto, description: 'billed − recorded: positive when spend was not recorded.' }) delta!: MoneyDto;
  @ApiProperty({ type: String, nullable: true, example: '20.00', description: 'delta / billed in percent; null when nothing was billed.' })
  deltaPercent!: string | null;
  @ApiProperty({
    enum: RECONCILIATION_STATUSES,
    description: 'matched (within tolerance), unrecorded (billed > recorded), overrecorded, pending (day not over or not imported yet).',
  })
  status!: ReconciliationStatus;
}

export class StatusCountsDto {
  @ApiProperty() matched!: number;
  @ApiProperty() unrecorded!: number;
  @ApiProperty() overrecorded!: number;
  @ApiProperty() pending!: number;
}

export class ReconciliationTotalsDto {
  @ApiProperty({ type: MoneyDto, description: 'Over the rows that are not pending.' }) recorded!: MoneyDto;
  @ApiProperty({ type: MoneyDto }) billed!: MoneyDto;
  @ApiProperty({ type: MoneyDto }) delta!: MoneyDto;
  @ApiProperty({ type: String, nullable: true }) deltaPercent!: string | null;
  @ApiProperty({ type: MoneyDto, description: 'Sum of the unrecorded rows’ deltas.' }) unrecorded!: MoneyDto;
  @ApiProperty({ type: MoneyDto, description: 'Sum of the overrecorded rows’ excess.' }) overrecorded!: MoneyDto;
  @ApiProperty({ type: StatusCountsDto }) rows!: StatusCountsDto;
}

export class ReconciliationReportDto {
  @ApiProperty({ format: 'date-time', description: 'The whole UTC days reconciled: `[from, to)`.' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ enum: RECONCILIATION_GROUPS }) groupBy!: ReconciliationGroupBy;
  @ApiProperty({ type: ToleranceDto }) tolerance!: ToleranceDto;
  @ApiProperty({ type: [ReconciliationRowDto] }) rows!: ReconciliationRowDto[];
  @ApiProperty({ type: ReconciliationTotalsDto }) totals!: ReconciliationTotalsDto;
}

export class TokenCountsDto {
  @ApiProperty() input!: number;
  @ApiProperty() output!: number;
  @ApiProperty() cachedInput!: number;
  @ApiProperty() requests!: number;
}

export class TokenReconciliationRowDto {
  @ApiProperty({ example: '2026-03-02' }) day!: string;
  @ApiProperty({ example: 'openai' }) provider!: string;
  @ApiProperty({ example: 'gpt-4o' }) model!: string;
  @ApiProperty({ type: TokenCountsDto }) recorded!: TokenCountsDto;
  @ApiProperty({ type: TokenCountsDto, description: "The provider's usage report." }) reported!: TokenCountsDto;
  @ApiProperty({ type: TokenCountsDto, description: 'reported − recorded.' }) delta!: TokenCountsDto;
  @ApiProperty({ enum: RECONCILIATION_STATUSES }) status!: ReconciliationStatus;
}

export class TokenReconciliationReportDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ type: [TokenReconciliationRowDto] }) rows!: TokenReconciliationRowDto[];
}

export class TolerancePatchDto {
  @ApiPropertyOptional({ example: '2.5', description: 'Percent of the bill, 0 to 100.' })
  @IsOptional()
  @Matches(DECIMAL, { message: 'must be a decimal string' })
  percent?: string;

  @ApiPropertyOptional({ example: '0.05', description: 'USD.' })
  @IsOptional()
  @Matches(DECIMAL, { message: 'must be a decimal string' })
  amount?: string;
}

export class UpdateReconciliationSettingsDto {
  @ApiProperty({ type: TolerancePatchDto, description: 'A row is matched when |delta| ≤ amount, or ≤ percent % of the bill.' })
  @IsObject()
  @ValidateNested()
  @Type(() => TolerancePatchDto)
  tolerance!: TolerancePatchDto;
}

export class ReconciliationSettingsDto {
  @ApiProperty({ format: 'uuid' }) organizationId!: string;
  @ApiProperty({ type: ToleranceDto }) tolerance!: ToleranceDto;
  @ApiProperty({ example: -1, description: 'Also the ETag; -1 while the organization runs on the defaults.' }) revision!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) updatedAt!: string | null;
}
