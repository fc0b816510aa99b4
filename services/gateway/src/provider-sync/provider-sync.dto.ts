import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsObject, IsOptional, IsString, IsUUID, MaxLength, MinLength, ValidateNested } from 'class-validator';
import {
  CONNECTION_TEST_OUTCOMES,
  PROVIDER_COST_GROUPS,
  PROVIDERS,
  SYNC_RUN_STATUSES,
  SYNC_TRIGGERS,
  type ProviderCostGroupBy,
  type Provider,
} from '@llmlab/contracts';
import { DateRangeQueryDto, IsInstant } from '../http/date-range.dto';

export class CredentialsDto {
  @ApiProperty({
    description: 'The provider admin key (OpenAI admin key, Anthropic Admin API key). Write-only: never returned.',
    writeOnly: true,
  })
  @IsString()
  @MinLength(8)
  @MaxLength(500)
  adminKey!: string;
}

export class ProjectMappingDto {
  @ApiProperty({ example: 'proj_abc', description: 'OpenAI project id or Anthropic workspace id.' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  externalId!: string;
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  projectId!: string;
}

export class RegisterConnectionDto {
  @ApiProperty({ enum: PROVIDERS })
  @IsIn(PROVIDERS)
  provider!: Provider;
  @ApiProperty({ example: 'OpenAI production' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;
  @ApiProperty({ type: CredentialsDto })
  @IsObject()
  @ValidateNested()
  @Type(() => CredentialsDto)
  credentials!: CredentialsDto;
  @ApiPropertyOptional({
    description: "Only an origin the operator trusts (PROVIDER_SYNC_TRUSTED_ORIGINS); the provider's official host otherwise.",
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  baseUrl?: string;
  @ApiPropertyOptional({ type: [ProjectMappingDto] })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ProjectMappingDto)
  mappings?: ProjectMappingDto[];
  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  syncEnabled?: boolean;
}

export class UpdateConnectionDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(100) name?: string;
  @ApiPropertyOptional({ type: CredentialsDto, description: 'Rotates the admin key (checked against the provider).' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CredentialsDto)
  credentials?: CredentialsDto;
  @ApiPropertyOptional({ type: [ProjectMappingDto] })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ProjectMappingDto)
  mappings?: ProjectMappingDto[];
  @ApiPropertyOptional() @IsOptional() @IsBoolean() syncEnabled?: boolean;
}

export class ConnectionDto {
  @ApiProperty({ format: 'uuid' }) connectionId!: string;
  @ApiProperty({ format: 'uuid' }) organizationId!: string;
  @ApiProperty({ enum: PROVIDERS }) provider!: Provider;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) baseUrl!: string | null;
  @ApiProperty({ example: '9f3a', description: 'The last 4 characters of the admin key.' }) keyHint!: string;
  @ApiProperty({ type: [ProjectMappingDto] }) mappings!: ProjectMappingDto[];
  @ApiProperty() syncEnabled!: boolean;
  @ApiProperty() revision!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'End of the range the latest successful sync covered.' })
  syncedUntil!: string | null;
}

export class ConnectionTestResultDto {
  @ApiProperty({
    enum: CONNECTION_TEST_OUTCOMES,
    description: '`accepted`: the provider took the stored key; `rejected`: it refused it; `unreachable`: it could not tell.',
  })
  outcome!: string;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'What failed; never the key.' }) detail!: string | null;
  @ApiProperty({ example: 182 }) durationMs!: number;
}

export class StartSyncDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'Default: the watermark minus the re-pull days.' })
  @IsOptional()
  @IsInstant()
  from?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'Default: the end of today (UTC).' })
  @IsOptional()
  @IsInstant()
  to?: string;
}

export class SyncStartedDto {
  @ApiProperty({ format: 'uuid' }) runId!: string;
}

export class SyncRunDto {
  @ApiProperty({ format: 'uuid' }) runId!: string;
  @ApiProperty({ format: 'uuid' }) connectionId!: string;
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ enum: SYNC_TRIGGERS }) trigger!: string;
  @ApiProperty({ enum: SYNC_RUN_STATUSES }) status!: string;
  @ApiProperty() pagesFetched!: number;
  @ApiProperty() rowsImported!: number;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: string | null;
}

export class ProviderCostsQueryDto extends DateRangeQueryDto {
  @ApiPropertyOptional({ enum: PROVIDER_COST_GROUPS, default: 'day' })
  @IsOptional()
  @IsIn(PROVIDER_COST_GROUPS)
  groupBy?: ProviderCostGroupBy;
}

export class ProviderCostRowDto {
  @ApiProperty({ type: String, nullable: true, description: 'The group value; null when the provider gave none or no mapping covers it.' })
  key!: string | null;
  @ApiProperty({ example: '12.345000000000', description: 'USD, decimal string.' }) amount!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
}

export class ProviderCostsDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ enum: PROVIDER_COST_GROUPS }) groupBy!: string;
  @ApiProperty({ type: [ProviderCostRowDto] }) rows!: ProviderCostRowDto[];
  @ApiProperty({ example: '12.345000000000' }) total!: string;
}
