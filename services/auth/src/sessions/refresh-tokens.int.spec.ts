import { createTestDatabase, TestDatabase } from '@llmlab/testing';
import { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { RefreshTokens } from './refresh-tokens';

describe('refresh tokens (PostgreSQL, as llmlab_app)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let tokens: RefreshTokens;
  const userId = uuidv7();

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new Pool({ connectionString: db.url, options: '-c role=llmlab_app', max: 6 });
    tokens = new RefreshTokens(pool, 3600);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('rotates within the family and stores hashes only', async () => {
    const session = uuidv7();
    const first = await tokens.startFamily(session, userId, new Date());
    const rotated = await tokens.rotate(first, new Date());
    expect(rotated).toMatchObject({ outcome: 'rotated', sessionId: session, userId });
    const second = (rotated as { refreshToken: string }).refreshToken;
    expect(second).not.toBe(first);
    const rows = await pool.query(`SELECT row_to_json(t)::text AS json FROM auth.refresh_tokens t`);
    for (const { json } of rows.rows) expect(json).not.toContain(first.slice(3));
    expect((await tokens.rotate(second, new Date())).outcome).toBe('rotated');
  });

  it('revokes the family when a rotated token is presented again, once', async () => {
    const session = uuidv7();
    const first = await tokens.startFamily(session, userId, new Date());
    const second = ((await tokens.rotate(first, new Date())) as { refreshToken: string }).refreshToken;
    expect(await tokens.rotate(first, new Date())).toEqual({ outcome: 'reused', sessionId: session, userId, revokedNow: true });
    expect(await tokens.rotate(second, new Date())).toEqual({ outcome: 'invalid' });
    expect(await tokens.rotate(first, new Date())).toEqual({ outcome: 'invalid' });
  });

  it('lets exactly one of two simultaneous uses of a token rotate it', async () => {
    const first = await tokens.startFamily(uuidv7(), userId, new Date());
    const outcomes = (await Promise.all([tokens.rotate(first, new Date()), tokens.rotate(first, new Date())])).map((r) => r.outcome).sort();
    expect(outcomes).toEqual(['reused', 'rotated']);
  });

  it('refuses an expired or unknown token', async () => {
    const first = await tokens.startFamily(uuidv7(), userId, new Date(Date.now() - 7_200_000));
    expect(await tokens.rotate(first, new Date())).toEqual({ outcome: 'invalid' });
    expect(await tokens.rotate('rt_nope', new Date())).toEqual({ outcome: 'invalid' });
  });

  it('revokes the family on logout', async () => {
    const session = uuidv7();
    const first = await tokens.startFamily(session, userId, new Date());
    expect(await tokens.revokeFamilyOf(first, new Date())).toEqual({ sessionId: session, userId, revokedNow: true });
    expect(await tokens.revokeFamilyOf(first, new Date())).toEqual({ sessionId: session, userId, revokedNow: false });
    expect(await tokens.rotate(first, new Date())).toEqual({ outcome: 'invalid' });
    expect(await tokens.revokeFamilyOf('rt_unknown', new Date())).toBeNull();
  });
});
