import { createHash, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { MasterKeyRing } from '@llmlab/crypto';
import { createEventStore } from '@llmlab/event-store';
import { signUp, startPlatformSession, TestPlatform, type PlatformSession, type SignedUpUser } from '@llmlab/testing';
import { base64url, SignJWT, type KeyLike } from 'jose';
import { Pool } from 'pg';
import { loadServiceKeys } from '../src/crypto/service-keys';
import { SigningKeyRing } from '../src/sessions/signing-keys';

jest.setTimeout(120_000);

const ISSUER = 'llmlab';
const AUDIENCE = 'llmlab-api';
/** Longer than the gateway's JWKS max age (1 s here) plus the auth service's 5 s key cache. */
const PUBLISH_LEAD_SECONDS = 8;

// The token suite: whatever is wrong with an access token, the gateway answers the same 401; refresh tokens
// rotate and a reused one revokes its family; the JWKS publishes the current and the previous key.
describe('access and refresh tokens', () => {
  const masterKey = randomBytes(32);
  let session: PlatformSession;
  let platform: TestPlatform;
  let pool: Pool;
  let keys: SigningKeyRing;
  let user: SignedUpUser;

  const me = (token: string) => fetch(`${platform.gatewayUrl}/v1/me`, { headers: { authorization: `Bearer ${token}` } });

  /** A token signed with the platform's real current key, with the claims given. */
  async function forge(
    claims: { iss?: string; aud?: string; sub?: string; exp?: number; nbf?: number },
    key?: { kid: string; privateKey: KeyLike },
  ) {
    const signing = key ?? (await keys.signingKey());
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: signing.kid, typ: 'JWT' })
      .setSubject(claims.sub ?? user.id)
      .setIssuer(claims.iss ?? ISSUER)
      .setAudience(claims.aud ?? AUDIENCE)
      .setIssuedAt(now)
      .setNotBefore(claims.nbf ?? now)
      .setExpirationTime(claims.exp ?? now + 600)
      .sign(signing.privateKey);
  }

  beforeAll(async () => {
    session = await startPlatformSession({
      services: ['gateway', 'auth'],
      poolSize: 3,
      env: {
        MASTER_ENCRYPTION_KEY: masterKey.toString('base64'),
        // An unknown kid never makes this gateway refresh during the suite: a rotation must not depend on it.
        JWKS_REFRESH_MIN_INTERVAL_MS: String(3_600_000),
        JWKS_MAX_AGE_SECONDS: '1',
        SIGNING_KEY_PUBLISH_LEAD_SECONDS: String(PUBLISH_LEAD_SECONDS),
      },
    });
    ({ platform, pool } = session);
    const { signingKeyCipher } = await loadServiceKeys(pool, MasterKeyRing.of(masterKey));
    keys = new SigningKeyRing(pool, createEventStore({ pool }), signingKeyCipher, 30, { publishLeadSeconds: PUBLISH_LEAD_SECONDS });
    user = await signUp(platform.gatewayUrl);
  });
  afterAll(() => session?.stop());

  it('accepts a token the platform signed (and one forged here with the real key: the baseline)', async () => {
    expect((await me(user.accessToken)).status).toBe(200);
    expect((await me(await forge({}))).status).toBe(200);
  });

  describe('refuses with one identical 401', () => {
    const cases: [string, () => Promise<string>][] = [
      [
        'alg: none',
        async () => {
          const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT', kid: (await keys.signingKey()).kid }));
          const payload = (await forge({})).split('.')[1];
          return `${header}.${payload}.`;
        },
      ],
      [
        'HS256 signed with the public key (algorithm confusion)',
        async () => {
          const { kid } = await keys.signingKey();
          const jwks = (await (await fetch(`${platform.gatewayUrl}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
          const { createPublicKey } = await import('node:crypto');
          const pem = createPublicKey({ key: jwks.keys.find((k) => k.kid === kid) as never, format: 'jwk' }).export({
            type: 'spki',
            format: 'pem',
          });
          const now = Math.floor(Date.now() / 1000);
          return new SignJWT({})
            .setProtectedHeader({ alg: 'HS256', kid, typ: 'JWT' })
            .setSubject(user.id)
            .setIssuer(ISSUER)
            .setAudience(AUDIENCE)
            .setIssuedAt(now)
            .setExpirationTime(now + 600)
            .sign(new Uint8Array(Buffer.from(pem)));
        },
      ],
      ['expired', () => forge({ exp: Math.floor(Date.now() / 1000) - 60 })],
      ['not valid before a time in the future', () => forge({ nbf: Math.floor(Date.now() / 1000) + 300 })],
      ['another issuer', () => forge({ iss: 'https://evil.example' })],
      ['another audience', () => forge({ aud: 'another-api' })],
      [
        'a tampered payload (another subject, the original signature)',
        async () => {
          const [header, payload, signature] = user.accessToken.split('.');
          const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
          const tampered = base64url.encode(JSON.stringify({ ...claims, sub: randomUUID() }));
          expect(tampered).not.toBe(payload);
          return `${header}.${tampered}.${signature}`;
        },
      ],
      [
        'an unknown kid',
        async () => {
          const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
          return forge({}, { kid: 'unknown-kid-' + randomUUID(), privateKey });
        },
      ],
      ['a subject that is not a user id', () => forge({ sub: 'admin' })],
      ['garbage', async () => 'not.a.token'],
    ];

    let reference: Record<string, unknown>;
    beforeAll(async () => {
      const res = await fetch(`${platform.gatewayUrl}/v1/me`);
      expect(res.status).toBe(401);
      reference = { ...((await res.json()) as Record<string, unknown>), requestId: undefined };
      expect(reference).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', instance: '/v1/me' });
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    });

    it.each(cases)('%s', async (_name, make) => {
      const res = await me(await make());
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect({ ...((await res.json()) as Record<string, unknown>), requestId: undefined }).toEqual(reference);
    });
  });

  describe('refresh tokens', () => {
    it('revokes the whole family when a rotated refresh token comes back', async () => {
      const login = await fetch(`${platform.gatewayUrl}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: user.email, password: user.password }),
      }).then((r) => r.json() as Promise<{ refreshToken: string }>);
      const refresh = (refreshToken: string) =>
        fetch(`${platform.gatewayUrl}/v1/auth/refresh`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refreshToken }),
        });

      const rotated = await refresh(login.refreshToken);
      expect(rotated.status).toBe(200);
      const second = (await rotated.json()) as { refreshToken: string };

      const replay = await refresh(login.refreshToken);
      expect(replay.status).toBe(401);
      expect(await replay.json()).toMatchObject({ code: 'INVALID_REFRESH_TOKEN' });
      // The legitimate holder's current token is revoked with the family: the thief and the victim both sign in again.
      expect((await refresh(second.refreshToken)).status).toBe(401);

      const family = await pool.query(
        `SELECT f.revoked_reason FROM auth.refresh_token_families f JOIN auth.refresh_tokens t ON t.family_id = f.id WHERE t.token_hash = $1`,
        [createHash('sha256').update(second.refreshToken).digest('hex')],
      );
      expect(family.rows).toEqual([{ revoked_reason: 'refresh_token_reuse' }]);
      const events = await pool.query(
        `SELECT data FROM event_store.events WHERE type = 'SessionRevoked' AND data->>'reason' = 'refresh_token_reuse'`,
      );
      expect(events.rows).toHaveLength(1);
      expect(events.rows[0].data.userId).toBe(user.id);
    });
  });

  describe('signing keys', () => {
    it('publishes the current key, then the next one before it signs: the gateway never meets an unknown kid', async () => {
      const jwks = async () =>
        ((await (await fetch(`${platform.gatewayUrl}/.well-known/jwks.json`)).json()) as { keys: Record<string, string>[] }).keys;
      const before = await jwks();
      expect(before).toHaveLength(1);
      const oldKid = before[0].kid;
      expect(before[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: oldKid });
      expect(before[0]).not.toHaveProperty('d');
      // The gateway has read its JWKS; with a refresh interval of an hour it does not re-read it for an unknown kid.
      expect((await me(user.accessToken)).status).toBe(200);

      const newKid = await keys.rotate(new Date());
      const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid as string;
      const deadline = Date.now() + (PUBLISH_LEAD_SECONDS + 30) * 1000;
      let fresh: { accessToken: string } | undefined;
      while (!fresh && Date.now() < deadline) {
        const login = (await fetch(`${platform.gatewayUrl}/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: user.email, password: user.password }),
        }).then((r) => r.json())) as { accessToken: string };
        if (kidOf(login.accessToken) === newKid) fresh = login;
        else {
          expect(kidOf(login.accessToken)).toBe(oldKid);
          // Every token the old key signs verifies, whether or not the gateway has seen the new key yet.
          expect((await me(login.accessToken)).status).toBe(200);
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      expect(fresh).toBeDefined();
      // The first token with the new kid: the gateway already knows the key (it re-read the JWKS within the lead).
      expect((await me(fresh!.accessToken)).status).toBe(200);
      // Tokens signed with the previous key stay valid until they expire.
      expect((await me(user.accessToken)).status).toBe(200);
      expect((await jwks()).map((k) => k.kid)).toEqual([newKid, oldKid]);
    });
  });
});
