import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min, ValidateIf } from 'class-validator';

/** The ceiling the gateway checks; the auth service refuses more than RATE_LIMIT_OVERRIDE_MAX_PER_HOUR, naming the field. */
const RATE_LIMIT_CEILING = 1_000_000_000;

/** Both limits, always: a PUT states the whole setting, so null (the platform default) is said, never implied. */
export class SetRateLimitsDto {
  @ApiProperty({
    type: Number,
    nullable: true,
    minimum: 1,
    example: 5000,
    description: 'Management requests per hour, per user and per API key; null: the platform default (RATE_LIMIT_MANAGEMENT_PER_HOUR).',
  })
  @ValidateIf((_: unknown, value: unknown) => value !== null)
  @IsInt()
  @Min(1)
  @Max(RATE_LIMIT_CEILING)
  managementPerHour!: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    minimum: 1,
    example: null,
    description: 'Ingest requests per hour per API key; null: the platform default (RATE_LIMIT_INGEST_PER_HOUR).',
  })
  @ValidateIf((_: unknown, value: unknown) => value !== null)
  @IsInt()
  @Min(1)
  @Max(RATE_LIMIT_CEILING)
  ingestPerHour!: number | null;
}

export class OperatorRateLimitsDto {
  @ApiProperty({ format: 'uuid' }) organizationId!: string;
  @ApiProperty({ type: Number, nullable: true, example: 5000, description: 'Management requests per hour; null: the platform default.' })
  managementPerHour!: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: null,
    description: 'Ingest requests per hour per key; null: the platform default.',
  })
  ingestPerHour!: number | null;
  @ApiProperty({ example: 3, description: "The organization's revision, also the ETag; send it in If-Match to change only this version." })
  revision!: number;
}
