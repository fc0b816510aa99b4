import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { ROLES, type Role } from '@llmlab/contracts';
import { OrganizationDto } from './auth.dto';

export class CreateOrganizationDto {
  @ApiProperty({ example: 'Analytical Engines', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name!: string;
}

export class UpdateOrganizationDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 100 })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;
}

export class OrganizationListDto {
  @ApiProperty({ type: OrganizationDto, isArray: true }) data!: OrganizationDto[];
}

export class MemberDto {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty() email!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty({ format: 'date-time' }) joinedAt!: string;
}

export class InvitationDto {
  @ApiProperty({ format: 'uuid', description: 'DELETE .../invitations/{invitationId} revokes the invitation.' })
  invitationId!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty({ format: 'uuid' }) invitedBy!: string;
  @ApiProperty({ format: 'date-time' }) invitedAt!: string;
}

export class MemberListDto {
  @ApiProperty({ type: MemberDto, isArray: true }) data!: MemberDto[];
  @ApiProperty({ type: InvitationDto, isArray: true, description: 'Pending invitations (also `GET .../invitations`).' })
  invitations!: InvitationDto[];
}

export class InvitationListDto {
  @ApiProperty({ type: InvitationDto, isArray: true }) data!: InvitationDto[];
}

export class AcceptedInvitationDto {
  @ApiProperty({ format: 'uuid' }) organizationId!: string;
  @ApiProperty() organizationName!: string;
  @ApiProperty({ enum: ROLES, description: 'Your role there now (an existing membership keeps its role).' }) role!: Role;
}

export class CreateInvitationDto {
  @ApiProperty({ example: 'grace@example.com', maxLength: 254 })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ enum: ROLES, description: 'Only owners may add owners.' })
  @IsIn(ROLES)
  role!: Role;
}

/** `POST .../members` takes the body of an invitation: adding a member is inviting them. */
export class AddMemberDto extends CreateInvitationDto {}

export class AddMemberResultDto {
  @ApiProperty({ enum: ['invited'], description: 'Always `invited`: nobody becomes a member before accepting the mailed invitation.' })
  status!: 'invited';
  @ApiProperty({ type: InvitationDto }) invitation!: InvitationDto;
}

export class UpdateMemberDto {
  @ApiProperty({ enum: ROLES, description: 'Only owners grant or take the owner role; the last owner keeps it.' })
  @IsIn(ROLES)
  role!: Role;
}
