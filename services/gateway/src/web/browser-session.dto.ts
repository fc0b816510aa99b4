import { ApiProperty } from '@nestjs/swagger';
import { OrganizationDto, UserDto } from '../auth-routes/auth.dto';

/** What a browser gets: the access token only; the refresh token travels in the httpOnly cookie. */
export class BrowserSessionDto {
  @ApiProperty({ description: 'JWT (RS256), valid for `expiresIn` seconds; keep it in memory, send as `Authorization: Bearer`.' })
  accessToken!: string;
  @ApiProperty({ enum: ['Bearer'] })
  tokenType!: 'Bearer';
  @ApiProperty({ example: 900 })
  expiresIn!: number;
}

export class BrowserSignupDto extends BrowserSessionDto {
  @ApiProperty({ type: UserDto }) user!: UserDto;
  @ApiProperty({ type: OrganizationDto }) organization!: OrganizationDto;
}
