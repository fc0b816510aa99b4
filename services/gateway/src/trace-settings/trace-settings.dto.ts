import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsInt, Max, Min } from 'class-validator';
import { CONTENT_RETENTION_DAYS, TRACE_SETTINGS_DEFAULTS } from '@llmlab/contracts';

// The bounds are the ingestion service's (trace-settings.decider.ts), which checks them again.
export class UpdateTraceSettingsDto {
  @ApiProperty({ default: TRACE_SETTINGS_DEFAULTS.captureContent, description: "Keep spans' prompt and completion text, encrypted." })
  @IsBoolean()
  captureContent!: boolean;

  @ApiProperty({
    minimum: CONTENT_RETENTION_DAYS.min,
    maximum: CONTENT_RETENTION_DAYS.max,
    default: TRACE_SETTINGS_DEFAULTS.contentRetentionDays,
    description: 'Days a captured text is kept, then purged.',
  })
  @IsInt()
  @Min(CONTENT_RETENTION_DAYS.min)
  @Max(CONTENT_RETENTION_DAYS.max)
  contentRetentionDays!: number;
}

export class TraceSettingsDto extends UpdateTraceSettingsDto {
  @ApiProperty({ format: 'uuid' })
  organizationId!: string;

  @ApiProperty({ description: 'The ETag; -1 while on the defaults.' })
  revision!: number;
}
