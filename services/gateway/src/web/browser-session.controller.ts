import { Body, Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { authSubjects, type RequestContext, type TokenPair } from '@llmlab/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LoginDto, SignupDto } from '../auth-routes/auth.dto';
import { tokensOrTooMany } from '../auth-routes/auth.controller';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { GatewayProblem } from '../http/problem';
import { Caller, Public } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import { BrowserSessionDto, BrowserSignupDto } from './browser-session.dto';
import { clearSessionCookie, CSRF_HEADER, readCookie, SESSION_COOKIE, setSessionCookie } from './session-cookie';

const COOKIE_NOTE =
  'For browsers: the refresh token is set as an httpOnly, SameSite=Strict cookie scoped to /v1/auth/session (Secure over ' +
  'TLS) and never appears in the body. API clients use /v1/auth/login and /v1/auth/refresh instead.';
const CSRF = ApiHeader({
  name: CSRF_HEADER,
  required: true,
  description: 'Any value, e.g. `1`: proves the request is not a cross-site form.',
});

/**
 * Browser sessions: the same commands as `/v1/auth/*`, with the refresh token kept out of JavaScript's reach in a
 * cookie. The access token goes to the page, which keeps it in memory only.
 */
@ApiTags('auth')
@Controller('v1/auth/session')
export class BrowserSessionController {
  constructor(
    private readonly client: ServiceClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Post('signup')
  @Public({ anonymousRateLimit: true })
  @CSRF
  @ApiOperation({ operationId: 'signupBrowserSession', summary: 'Create an account and sign the browser in', description: COOKIE_NOTE })
  @ApiBody({ type: SignupDto })
  @ApiCreatedResponse({ type: BrowserSignupDto })
  @ApiProblems([400, 'Invalid body'], [403, 'The CSRF header is missing'], [409, 'An account with this email exists'])
  async signup(
    @Body() body: SignupDto,
    @Caller() caller: RequestContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BrowserSignupDto> {
    requireCsrfHeader(request);
    const { refreshToken, ...rest } = await this.client.call(authSubjects.signup, body, caller);
    setSessionCookie(request, reply, refreshToken, this.config.SESSION_COOKIE_MAX_AGE_SECONDS);
    return rest;
  }

  @Post('login')
  @HttpCode(200)
  @Public({ anonymousRateLimit: true })
  @CSRF
  @ApiOperation({ operationId: 'loginBrowserSession', summary: 'Sign the browser in with email and password', description: COOKIE_NOTE })
  @ApiBody({ type: LoginDto })
  @ApiOkResponse({ type: BrowserSessionDto })
  @ApiProblems([400, 'Invalid body'], [401, 'Wrong email or password (one answer for both)'], [403, 'The CSRF header is missing'])
  async login(
    @Body() body: LoginDto,
    @Caller() caller: RequestContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BrowserSessionDto> {
    requireCsrfHeader(request);
    return this.issue(request, reply, tokensOrTooMany(await this.client.call(authSubjects.login, body, caller)));
  }

  @Post('refresh')
  @HttpCode(200)
  @Public({ anonymousRateLimit: true })
  @CSRF
  @ApiOperation({
    operationId: 'refreshBrowserSession',
    summary: "Rotate the session cookie's refresh token for a new access token",
    description: `${COOKIE_NOTE} No body. A missing, used or revoked cookie answers 401 and is cleared.`,
  })
  @ApiOkResponse({ type: BrowserSessionDto })
  @ApiProblems([401, 'No session cookie, or its token is unknown, expired, already used or revoked'], [403, 'The CSRF header is missing'])
  async refresh(
    @Caller() caller: RequestContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BrowserSessionDto> {
    requireCsrfHeader(request);
    const refreshToken = readCookie(request, SESSION_COOKIE);
    try {
      if (!refreshToken)
        throw new GatewayProblem(401, 'UNAUTHENTICATED', 'no browser session', undefined, { 'WWW-Authenticate': 'Cookie' });
      return this.issue(request, reply, await this.client.call(authSubjects.refresh, { refreshToken }, caller));
    } catch (err) {
      clearSessionCookie(request, reply);
      throw err;
    }
  }

  @Post('logout')
  @HttpCode(204)
  @Public({ anonymousRateLimit: true })
  @CSRF
  @ApiOperation({
    operationId: 'logoutBrowserSession',
    summary: "End the browser's session and clear its cookie",
    description: COOKIE_NOTE,
  })
  @ApiNoContentResponse({ description: 'The session is over (also when there was none).' })
  @ApiProblems([403, 'The CSRF header is missing'])
  async logout(
    @Caller() caller: RequestContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    requireCsrfHeader(request);
    const refreshToken = readCookie(request, SESSION_COOKIE);
    clearSessionCookie(request, reply);
    if (refreshToken) await this.client.call(authSubjects.logout, { refreshToken }, caller);
  }

  private issue(request: FastifyRequest, reply: FastifyReply, tokens: TokenPair): BrowserSessionDto {
    setSessionCookie(request, reply, tokens.refreshToken, this.config.SESSION_COOKIE_MAX_AGE_SECONDS);
    return { accessToken: tokens.accessToken, tokenType: tokens.tokenType, expiresIn: tokens.expiresIn };
  }
}

function requireCsrfHeader(request: FastifyRequest): void {
  if (!request.headers[CSRF_HEADER]) {
    throw new GatewayProblem(403, 'CSRF_HEADER_REQUIRED', `browser session requests must carry the ${CSRF_HEADER} header`);
  }
}
