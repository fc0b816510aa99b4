import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min, ValidateIf } from 'class-validator';
import { USAGE_RETENTION_DAYS } from '@llmlab/contracts';

// The bounds are the ingestion service's (usage-retention.decider.ts), which checks them again.
/** The whole setting, always: null (forever) is said, never implied by a missing field. */
export class UpdateUsageRetentionDto {
  @ApiProperty({
    type: 'integer',
    nullable: true,
    minimum: USAGE_RETENTION_DAYS.min,
    maximum: USAGE_RETENTION_DAYS.max,
    example: 365,
    description: 'Days usage detail is kept, then the maintenance job lets it go; null: kept forever (the default).',
  })
  @ValidateIf((_: unknown, value: unknown) => value !== null)
  @IsInt()
  @Min(USAGE_RETENTION_DAYS.min)
  @Max(USAGE_RETENTION_DAYS.max)
  usageRetentionDays!: number | null;
}

export class UsageRetentionDto extends UpdateUsageRetentionDto {
  @ApiProperty({ format: 'uuid' })
  organizationId!: string;

  @ApiProperty({ description: 'The ETag; -1 while on the default.' })
  revision!: number;
}
