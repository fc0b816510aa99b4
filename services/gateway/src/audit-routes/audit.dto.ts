import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type as Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { IsInstant } from '../http/date-range.dto';
import { NoQuery, WithCursorPaging } from '../http/paging.dto';

export class SignedTreeHeadDto {
  @ApiProperty({ type: 'integer', example: 1024, description: 'Events covered: positions 1 to treeSize of the event store.' })
  treeSize!: number;
  @ApiProperty({
    example: '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    description: 'RFC 9162 Merkle tree hash, hex.',
  })
  rootHash!: string;
  @ApiProperty({ format: 'date-time', description: 'When it was signed (UTC, milliseconds): part of what is signed.' })
  timestamp!: string;
  @ApiProperty({ description: 'The id of the key in /.well-known/llmlab-audit-keys.json that signed it.' })
  keyId!: string;
  @ApiProperty({
    description: 'Base64 Ed25519 signature of the UTF-8 text `llmlab-audit-tree-head/v1\\n<treeSize>\\n<rootHash>\\n<timestamp>`.',
  })
  signature!: string;
}

export class TreeHeadListDto {
  @ApiProperty({ type: [SignedTreeHeadDto] }) data!: SignedTreeHeadDto[];
  @ApiProperty({ type: 'integer', nullable: true, description: 'The `from` of the next page; null at the end.' })
  nextFrom!: number | null;
}

export class AuditPublicKeyDto {
  @ApiProperty() kid!: string;
  @ApiProperty({ enum: ['OKP'] }) kty!: 'OKP';
  @ApiProperty({ enum: ['Ed25519'] }) crv!: 'Ed25519';
  @ApiProperty({ description: 'The 32-byte public key, base64url.' }) x!: string;
  @ApiProperty({ enum: ['EdDSA'] }) alg!: 'EdDSA';
  @ApiProperty({ enum: ['sig'] }) use!: 'sig';
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class AuditKeySetDto {
  @ApiProperty({ type: [AuditPublicKeyDto] }) keys!: AuditPublicKeyDto[];
}

export class ConsistencyProofDto {
  @ApiProperty({ type: SignedTreeHeadDto }) first!: SignedTreeHeadDto;
  @ApiProperty({ type: SignedTreeHeadDto }) second!: SignedTreeHeadDto;
  @ApiProperty({ type: [String], description: 'RFC 9162 2.1.4 consistency proof: node hashes, hex.' }) proof!: string[];
}

export class InclusionProofDto {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ type: 'integer' }) position!: number;
  @ApiProperty({ type: 'integer', description: 'position - 1' }) leafIndex!: number;
  @ApiProperty({ description: "The event's own hash (hex): the leaf is SHA-256(0x00 || its 32 bytes)." }) eventHash!: string;
  @ApiProperty({ type: 'integer' }) treeSize!: number;
  @ApiProperty({ type: [String], description: 'RFC 9162 2.1.3 audit path, nearest the leaf first, hex.' }) auditPath!: string[];
  @ApiProperty({ type: SignedTreeHeadDto }) head!: SignedTreeHeadDto;
}

export class AuditIncidentDto {
  @ApiProperty({ type: 'integer' }) position!: number;
  @ApiProperty({ enum: ['chain_broken', 'position_gap', 'anchor_changed', 'signed_root_mismatch'] }) reason!: string;
  @ApiProperty() detail!: string;
  @ApiProperty({ format: 'date-time' }) detectedAt!: string;
}

export class AuditIntegrityDto {
  @ApiProperty({ enum: ['verified', 'tampered', 'pending'] }) status!: string;
  @ApiProperty({ type: 'integer' }) treeSize!: number;
  @ApiProperty({ type: 'integer', description: 'Events checked to chain and hash as stored.' }) verifiedThrough!: number;
  @ApiProperty({ type: SignedTreeHeadDto, nullable: true }) latestHead!: SignedTreeHeadDto | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Last time the whole signed history was re-derived and matched.',
  })
  lastFullVerificationAt!: string | null;
  @ApiProperty({ type: AuditIncidentDto, nullable: true }) incident!: AuditIncidentDto | null;
}

export class TreeHeadsQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, default: 1, description: 'Heads of this tree size or larger, oldest first.' })
  @IsOptional()
  @Transform(() => Number)
  @IsInt()
  @Min(1)
  from?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Transform(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class ConsistencyQueryDto {
  @ApiProperty({ type: 'integer', minimum: 1, description: 'The older signed head’s tree size.' })
  @Transform(() => Number)
  @IsInt()
  @Min(1)
  first!: number;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'The newer signed head’s tree size.' })
  @Transform(() => Number)
  @IsInt()
  @Min(1)
  second!: number;
}

export class InclusionProofQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, description: 'A signed head’s tree size; the latest signed head when absent.' })
  @IsOptional()
  @Transform(() => Number)
  @IsInt()
  @Min(1)
  treeSize?: number;
}

export const AUDIT_EXPORT_FORMATS = ['jsonl', 'csv'] as const;
export type AuditExportFormat = (typeof AUDIT_EXPORT_FORMATS)[number];

export class AuditExportQueryDto {
  @ApiPropertyOptional({
    enum: AUDIT_EXPORT_FORMATS,
    default: 'jsonl',
    description:
      'jsonl: a signed head, then every event with its content and inclusion proof (what `npm run audit:verify` checks); csv: one row per event for reading.',
  })
  @IsOptional()
  @IsIn(AUDIT_EXPORT_FORMATS)
  format?: AuditExportFormat;

  @ApiPropertyOptional({ format: 'date-time', description: 'Events recorded at or after it. The whole log when absent.' })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Events recorded before it.' })
  @IsOptional()
  @IsInstant()
  to?: string;
}

export class AuditActorDto {
  @ApiProperty({ enum: ['user', 'api_key', 'system', 'operator'] }) type!: string;
  @ApiProperty({ description: 'A user or API key id, or the name of a system component.' }) id!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "A member's name, resolved when read; null for keys and systems, and once the person was erased.",
  })
  name!: string | null;
}

export class AuditResourceDto {
  @ApiProperty({ example: 'project' }) type!: string;
  @ApiProperty() id!: string;
}

export class AuditFieldChangeDto {
  @ApiProperty({ example: 'role' }) field!: string;
  @ApiPropertyOptional({ description: 'The value before, when the event keeps it.' }) from?: unknown;
  @ApiPropertyOptional({ description: 'The value after.' }) to?: unknown;
}

export class AuditEntryDto {
  @ApiProperty({ type: 'integer', description: "The event's position in the event store (its leaf index + 1 in the Merkle tree)." })
  position!: number;
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ example: 'MemberRoleChanged' }) type!: string;
  @ApiProperty({ format: 'date-time' }) recordedAt!: string;
  @ApiProperty({ type: AuditActorDto }) actor!: AuditActorDto;
  @ApiProperty({ type: AuditResourceDto, nullable: true }) resource!: AuditResourceDto | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) projectId!: string | null;
  @ApiProperty({ type: String, nullable: true }) correlationId!: string | null;
  @ApiProperty({ type: String, nullable: true }) ip!: string | null;
  @ApiProperty({ type: String, nullable: true }) userAgent!: string | null;
  @ApiProperty({ example: "A member's role changed from member to admin", description: 'One sentence; never a secret or personal data.' })
  summary!: string;
  @ApiProperty({ type: [AuditFieldChangeDto], nullable: true, description: 'What an update changed, where meaningful.' })
  changes!: AuditFieldChangeDto[] | null;
}

export class AuditEntryListDto {
  @ApiProperty({ type: [AuditEntryDto] }) data!: AuditEntryDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next (older) page; null at the end.' })
  nextCursor!: string | null;
}

export class AuditEntriesQueryDto extends WithCursorPaging(NoQuery, { max: 200, defaultLimit: 50 }) {
  @ApiPropertyOptional({ description: 'Only what this actor did: a user or API key id, or a system name.' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  actor?: string;

  @ApiPropertyOptional({ description: 'Only events of this type.', example: 'ApiKeyCreated' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  type?: string;

  @ApiPropertyOptional({ description: 'Only events about this kind of resource.', example: 'project' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  resourceType?: string;

  @ApiPropertyOptional({ description: 'Only events about this resource (with resourceType).' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  resourceId?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Recorded at or after it.' })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Recorded before it.' })
  @IsOptional()
  @IsInstant()
  to?: string;
}
