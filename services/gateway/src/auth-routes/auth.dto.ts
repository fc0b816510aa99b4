import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Length, MaxLength, MinLength } from 'class-validator';
import { API_KEY_SCOPES, ROLES, type ApiKeyScope, type Role } from '@llmlab/contracts';

export class SignupDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ minLength: 12, maxLength: 256, example: 'correct horse battery staple', description: 'At least 12 characters.' })
  @IsString()
  @MinLength(12)
  @MaxLength(256)
  password!: string;

  @ApiProperty({ example: 'Ada Lovelace', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiPropertyOptional({ example: 'Analytical Engines', minLength: 1, maxLength: 100, description: 'Defaults to "My organization".' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  organizationName?: string;
}

export class LoginDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @IsString()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ example: 'correct horse battery staple', maxLength: 256 })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  password!: string;
}

export class RefreshDto {
  @ApiProperty({ example: 'rt_Yk8c1b...', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  refreshToken!: string;
}

export class TokenPairDto {
  @ApiProperty({ description: 'JWT (RS256), valid for `expiresIn` seconds; send as `Authorization: Bearer`.' })
  accessToken!: string;
  @ApiProperty({ description: 'Opaque; rotates on every use. Reusing a rotated one revokes the whole session.' })
  refreshToken!: string;
  @ApiProperty({ enum: ['Bearer'] })
  tokenType!: 'Bearer';
  @ApiProperty({ example: 900 })
  expiresIn!: number;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'ada@example.com' }) email!: string;
  @ApiProperty({ example: 'Ada Lovelace' }) name!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ description: 'Whether the address is verified (the link mailed at signup); needed to join another organization.' })
  emailVerified!: boolean;
}

export class TokenDto {
  @ApiProperty({ description: 'The `token` of the link in the mail.', example: 'q3V0...', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  token!: string;
}

export class RateLimitsDto {
  @ApiProperty({ type: Number, nullable: true, example: null, description: 'Management requests per hour; null: the platform default.' })
  managementPerHour!: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: null,
    description: 'Ingest requests per hour per key; null: the platform default.',
  })
  ingestPerHour!: number | null;
}

export class OrganizationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'Analytical Engines' }) name!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ enum: ROLES, description: "The caller's role." }) role!: Role;
  @ApiProperty({ type: RateLimitsDto, description: "Set by the platform's operator (the operator API), not by the organization." })
  rateLimits!: RateLimitsDto;
  @ApiProperty({ example: 3, description: 'Also the ETag; send it in If-Match to update only this version.' }) revision!: number;
}

export class SignupResultDto extends TokenPairDto {
  @ApiProperty({ type: UserDto }) user!: UserDto;
  @ApiProperty({ type: OrganizationDto }) organization!: OrganizationDto;
}

export class MembershipDto {
  @ApiProperty({ format: 'uuid' }) organizationId!: string;
  @ApiProperty() organizationName!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
}

export class ApiKeyIdentityDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'llm_live_AbCd1234' }) prefix!: string;
  @ApiProperty({ format: 'uuid' }) organizationId!: string;
  @ApiProperty({ format: 'uuid' }) projectId!: string;
  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true }) scopes!: ApiKeyScope[];
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: string | null;
}

export class MeDto {
  @ApiProperty({ enum: ['user', 'api_key'], description: 'Who the credentials belong to.' }) type!: 'user' | 'api_key';
  @ApiPropertyOptional({ type: UserDto, description: 'For an access token.' }) user?: UserDto;
  @ApiPropertyOptional({ type: MembershipDto, isArray: true, description: 'For an access token.' }) memberships?: MembershipDto[];
  @ApiPropertyOptional({ type: ApiKeyIdentityDto, description: 'For an API key.' }) apiKey?: ApiKeyIdentityDto;
}

export class JwkDto {
  @ApiProperty({ example: 'RSA' }) kty!: string;
  @ApiProperty({ description: 'RFC 7638 thumbprint of the key' }) kid!: string;
  @ApiProperty({ example: 'RS256' }) alg!: string;
  @ApiProperty({ example: 'sig' }) use!: string;
  @ApiPropertyOptional({ description: 'RSA modulus, base64url' }) n?: string;
  @ApiPropertyOptional({ example: 'AQAB' }) e?: string;
}

export class JwksDto {
  @ApiProperty({ type: JwkDto, isArray: true, description: 'The current signing key first, then the previous one.' })
  keys!: JwkDto[];
}
