import { randomBytes } from 'node:crypto';
import { createEventStore } from '@llmlab/event-store';
import { createTestDatabase, TestDatabase, tolerateTeardown } from '@llmlab/testing';
import { jwtVerify, createLocalJWKSet } from 'jose';
import { Pool } from 'pg';
import { AccessTokens } from './access-tokens';
import { SigningKeyRing } from './signing-keys';

const DAY = 86_400_000;

describe('signing keys (PostgreSQL, as llmlab_app)', () => {
  let db: TestDatabase;
  let pool: Pool;
  const cipherKey = randomBytes(32);
  const ring = () => new SigningKeyRing(pool, createEventStore({ pool }), cipherKey, 30);

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = tolerateTeardown(new Pool({ connectionString: db.url, options: '-c role=llmlab_app', max: 6 }));
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('makes exactly one first key when replicas start together', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const made = await Promise.all([ring().rotateIfDue(now), ring().rotateIfDue(now), ring().rotateIfDue(now)]);
    expect(made.filter((kid) => kid !== null)).toHaveLength(1);
    const { rows } = await pool.query(`SELECT kid FROM auth.signing_keys`);
    expect(rows).toHaveLength(1);
  });

  it('rotates only when the newest key is older than the period, and records the rotation', async () => {
    const keys = ring();
    const [{ kid: first }] = (await keys.jwks()).keys;
    expect(await keys.rotateIfDue(new Date(Date.parse('2026-01-01T00:00:00Z') + 29 * DAY))).toBeNull();
    const second = await keys.rotateIfDue(new Date(Date.parse('2026-01-01T00:00:00Z') + 31 * DAY));
    expect(second).toEqual(expect.any(String));
    expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual([second, first]);
    expect((await keys.signingKey()).kid).toBe(second);

    const events = await pool.query(`SELECT data FROM event_store.events WHERE stream_id = 'auth.signing-keys' ORDER BY revision`);
    expect(events.rows.map((r) => r.data)).toEqual([
      expect.objectContaining({ kid: first, previousKid: null, algorithm: 'RS256' }),
      expect.objectContaining({ kid: second, previousKid: first }),
    ]);
    expect(JSON.stringify(events.rows)).not.toContain('PRIVATE KEY');
  });

  it('publishes only the current and the previous key, never private parts, and stores the private key encrypted', async () => {
    const keys = ring();
    const third = await keys.rotate(new Date(Date.parse('2026-01-01T00:00:00Z') + 62 * DAY));
    const jwks = await keys.jwks();
    expect(jwks.keys).toHaveLength(2);
    expect(jwks.keys[0].kid).toBe(third);
    for (const jwk of jwks.keys) expect(Object.keys(jwk).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    const stored = await pool.query(`SELECT private_key_ciphertext FROM auth.signing_keys`);
    for (const row of stored.rows) expect(row.private_key_ciphertext).not.toContain('PRIVATE KEY');
  });

  it('signs access tokens that verify against the published keys with the configured claims', async () => {
    const keys = ring();
    const tokens = new AccessTokens(keys, { issuer: 'llmlab', audience: 'llmlab-api', ttlSeconds: 900 });
    const now = new Date();
    const { token, expiresIn } = await tokens.issue('0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f50', now);
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(await keys.jwks()), {
      issuer: 'llmlab',
      audience: 'llmlab-api',
    });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: (await keys.signingKey()).kid });
    expect(payload).toMatchObject({ sub: '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f50', exp: Math.floor(now.getTime() / 1000) + 900 });
    expect(expiresIn).toBe(900);
    expect(payload.jti).toEqual(expect.any(String));
  });

  it('publishes a new key for the lead before it signs, and keeps the replaced key until its tokens expire', async () => {
    const keys = new SigningKeyRing(pool, createEventStore({ pool }), cipherKey, 30, {
      publishLeadSeconds: 600,
      accessTokenTtlSeconds: 900,
    });
    const t0 = Date.parse('2027-01-01T00:00:00Z');
    const at = (seconds: number) => new Date(t0 + seconds * 1000);
    const kids = async (seconds: number) => (await keys.jwks(at(seconds))).keys.map((k) => k.kid);

    const current = (await keys.signingKey(at(0))).kid;
    const before = await kids(0);
    expect(before[0]).toBe(current);
    const next = await keys.rotate(at(0));
    // Published at once, signing only after the lead: a verifier that re-read the JWKS within the lead knows it.
    expect(await kids(0)).toEqual([next, ...before]);
    expect((await keys.signingKey(at(599))).kid).toBe(current);
    expect((await keys.signingKey(at(600))).kid).toBe(next);
    expect(await kids(600)).toEqual([next, current]);

    // Two rotations close together: the key that stopped signing at 600 stays until its last token expired (1500).
    const third = await keys.rotate(at(601));
    expect((await keys.signingKey(at(1200))).kid).toBe(next);
    expect(await kids(601)).toEqual([third, next, current]);
    expect((await keys.signingKey(at(1201))).kid).toBe(third);
    expect(await kids(1499)).toEqual([third, next, current]);
    expect(await kids(1500)).toEqual([third, next]);
  });
});
