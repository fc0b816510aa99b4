import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { ROLES, type Role } from '@llmlab/contracts';
import { MembershipDto, UserDto } from './auth.dto';
import { ApiKeyDto } from './projects.dto';

export class EraseMeDto {
  @ApiProperty({ description: "The account's password, confirming the erasure.", maxLength: 256 })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  password!: string;
}

export class ExportedUserDto extends UserDto {
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) emailVerifiedAt!: string | null;
}

export class ExportedMembershipDto extends MembershipDto {
  @ApiProperty({ format: 'date-time' }) joinedAt!: string;
}

export class ExportedInvitationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) organizationId!: string;
  @ApiProperty() organizationName!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty({ enum: ['pending', 'accepted', 'revoked'] }) status!: 'pending' | 'accepted' | 'revoked';
  @ApiProperty({ format: 'uuid' }) invitedBy!: string;
  @ApiProperty({ format: 'date-time' }) invitedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) settledAt!: string | null;
}

export class ExportedInvitationsDto {
  @ApiProperty({ type: ExportedInvitationDto, isArray: true, description: "Sent by the user (without the invitee's address)." })
  sent!: ExportedInvitationDto[];
  @ApiProperty({ type: ExportedInvitationDto, isArray: true, description: "Addressed to the user's email." })
  received!: ExportedInvitationDto[];
}

export class ExportedSessionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Last refresh-token rotation.' })
  lastUsedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['logout', 'refresh_token_reuse', 'erasure'] }) revokedReason!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The client IP the session was started from.' }) ip!: string | null;
  @ApiProperty({ type: String, nullable: true }) userAgent!: string | null;
}

export class PersonalDataExportDto {
  @ApiProperty({ format: 'date-time' }) exportedAt!: string;
  @ApiProperty({ type: ExportedUserDto }) user!: ExportedUserDto;
  @ApiProperty({ type: ExportedMembershipDto, isArray: true }) memberships!: ExportedMembershipDto[];
  @ApiProperty({ type: ExportedInvitationsDto }) invitations!: ExportedInvitationsDto;
  @ApiProperty({ type: ApiKeyDto, isArray: true, description: 'Keys the user created: metadata, never a secret or a hash.' })
  apiKeysCreated!: ApiKeyDto[];
  @ApiProperty({ type: ExportedSessionDto, isArray: true }) sessions!: ExportedSessionDto[];
}
