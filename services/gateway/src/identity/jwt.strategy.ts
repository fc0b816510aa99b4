import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { FastifyRequest } from 'fastify';
import type { Principal } from './principal';
import type { JwksCache } from './jwks.cache';
import { isUuid } from '@llmlab/domain';

export const JWT_STRATEGY = 'jwt';

export interface JwtSettings {
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
}

/** The `kid` of a compact JWS, without trusting anything else in it. */
function kidOf(token: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')) as { kid?: unknown };
    return typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Access tokens verified locally by passport-jwt (jsonwebtoken) against the auth service's JWKS: only RS256
 * (so `alg: none` and HS256 signed with the public key are refused before any signature check), the key
 * chosen by `kid`, `iss`, `aud`, `exp` and `nbf` enforced. No request leaves the gateway for a known key.
 */
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(jwks: JwksCache, settings: JwtSettings) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      algorithms: ['RS256'],
      issuer: settings.issuer,
      audience: settings.audience,
      jsonWebTokenOptions: { clockTolerance: settings.clockToleranceSeconds },
      secretOrKeyProvider: (req: FastifyRequest, rawJwt: string, done: (err: unknown, key?: string) => void) => {
        const kid = kidOf(rawJwt);
        if (!kid) return done(new Error('token without kid'));
        jwks.keyFor(kid, String(req.id)).then(
          // jsonwebtoken takes a KeyObject; the typings only know PEM strings and buffers.
          (key) => (key ? done(null, key as unknown as string) : done(new Error('unknown kid'))),
          (err: unknown) => done(err),
        );
      },
    });
  }

  /** A verified payload still needs a subject and an expiry of its own: no token lives forever. */
  validate(payload: { sub?: unknown; exp?: unknown }): Principal | false {
    if (typeof payload.sub !== 'string' || !isUuid(payload.sub) || typeof payload.exp !== 'number') return false;
    return { type: 'user', userId: payload.sub };
  }
}
