import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { authSubjects, type LoginResult, type RequestContext, type ResendVerificationResult, type TokenPair } from '@llmlab/contracts';
import { GatewayProblem } from '../http/problem';
import { Authenticated, Caller, Public } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import { LoginDto, RefreshDto, SignupDto, SignupResultDto, TokenDto, TokenPairDto } from './auth.dto';

/** The auth service throttles login attempts per account and per IP; its answer becomes a 429 here. */
export function tokensOrTooMany(result: LoginResult): TokenPair {
  if (!result.throttled) return result.tokens;
  throw new GatewayProblem(429, 'LOGIN_THROTTLED', `too many failed logins; retry in ${result.retryAfterSeconds} s`, undefined, {
    'Retry-After': String(result.retryAfterSeconds),
  });
}

/** Resends are limited per account and per IP; the auth service's answer becomes a 429 here. */
function sentOrTooMany(result: ResendVerificationResult): void {
  if (!result.throttled) return;
  throw new GatewayProblem(
    429,
    'VERIFICATION_RESEND_THROTTLED',
    `too many verification mails; retry in ${result.retryAfterSeconds} s`,
    undefined,
    { 'Retry-After': String(result.retryAfterSeconds) },
  );
}

@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly client: ServiceClient) {}

  @Post('signup')
  @Public({ anonymousRateLimit: true })
  @ApiOperation({ operationId: 'signup', summary: 'Create an account and its first organization; returns tokens' })
  @ApiBody({ type: SignupDto })
  @ApiCreatedResponse({ type: SignupResultDto })
  @ApiProblems([400, 'Invalid body (the password needs at least 12 characters)'], [409, 'An account with this email exists'])
  signup(@Body() body: SignupDto, @Caller() caller: RequestContext) {
    return this.client.call(authSubjects.signup, body, caller);
  }

  @Post('login')
  @HttpCode(200)
  @Public({ anonymousRateLimit: true })
  @ApiOperation({
    operationId: 'login',
    summary: 'Exchange email and password for tokens',
    description: 'An unknown email and a wrong password get the same 401. Repeated failures per account or per IP get 429.',
  })
  @ApiBody({ type: LoginDto })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiProblems([400, 'Invalid body'], [401, 'Wrong email or password (one answer for both)'])
  async login(@Body() body: LoginDto, @Caller() caller: RequestContext) {
    return tokensOrTooMany(await this.client.call(authSubjects.login, body, caller));
  }

  @Post('refresh')
  @HttpCode(200)
  @Public({ anonymousRateLimit: true })
  @ApiOperation({
    operationId: 'refreshTokens',
    summary: 'Rotate a refresh token for a new token pair',
    description: 'Each refresh token works once. Presenting one that was already rotated revokes its whole session (401).',
  })
  @ApiBody({ type: RefreshDto })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiProblems([400, 'Invalid body'], [401, 'Unknown, expired, already used or revoked refresh token'])
  refresh(@Body() body: RefreshDto, @Caller() caller: RequestContext) {
    return this.client.call(authSubjects.refresh, body, caller);
  }

  @Post('logout')
  @HttpCode(204)
  @Public({ anonymousRateLimit: true })
  @ApiOperation({ operationId: 'logout', summary: "Revoke the refresh token's session (every token rotated from the same login)" })
  @ApiBody({ type: RefreshDto })
  @ApiNoContentResponse({ description: 'The session is over (also when the token was unknown).' })
  @ApiProblems([400, 'Invalid body'])
  async logout(@Body() body: RefreshDto, @Caller() caller: RequestContext): Promise<void> {
    await this.client.call(authSubjects.logout, body, caller);
  }

  @Post('verify-email')
  @HttpCode(204)
  @Public({ anonymousRateLimit: true })
  @ApiOperation({
    operationId: 'verifyEmail',
    summary: 'Verify the email address with the token of the link mailed at signup',
    description: 'Each link works once and expires (`EMAIL_VERIFICATION_TTL_HOURS`). No sign-in needed: the token names the account.',
  })
  @ApiBody({ type: TokenDto })
  @ApiNoContentResponse({ description: 'The address is verified.' })
  @ApiProblems([400, 'Invalid body, or an unknown, expired or already used token (field /token)'])
  async verifyEmail(@Body() body: TokenDto, @Caller() caller: RequestContext): Promise<void> {
    await this.client.call(authSubjects.verifyEmail, { token: body.token }, caller);
  }

  @Post('verify-email/resend')
  @HttpCode(202)
  @Authenticated()
  @ApiOperation({
    operationId: 'resendVerificationEmail',
    summary: "Mail a new verification link to the signed-in user's address",
    description: 'A few per hour per account and per client IP (`VERIFICATION_RESEND_PER_*_PER_HOUR`), then 429 with Retry-After.',
  })
  @ApiResponse({ status: 202, description: 'A new link is on its way.' })
  @ApiProblems([403, 'API keys cannot ask for it'], [409, 'The address is verified already'])
  async resendVerification(@Caller() caller: RequestContext): Promise<void> {
    sentOrTooMany(await this.client.call(authSubjects.resendVerification, {}, caller));
  }
}
