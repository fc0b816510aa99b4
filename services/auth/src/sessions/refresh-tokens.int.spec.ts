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

  it('keeps where a session started and when it was last used, for the data export', async () => {
    const session = uuidv7();
    const first = await tokens.startFamily(session, userId, new Date('2026-12-01T10:00:00.000Z'), {
      ip: '203.0.113.9',
      userAgent: 'x'.repeat(600),
    });
    await tokens.rotate(first, new Date('2026-12-01T10:05:00.000Z'));
    const { rows } = await pool.query(`SELECT ip, user_agent, last_used_at FROM auth.refresh_token_families WHERE id = $1`, [session]);
    expect(rows[0]).toEqual({ ip: '203.0.113.9', user_agent: 'x'.repeat(512), last_used_at: new Date('2026-12-01T10:05:00.000Z') });
  });

  it('erases every session of a user: the live ones named for their events, all of them deleted with their tokens', async () => {
    const erased = uuidv7();
    const [live, loggedOut] = [uuidv7(), uuidv7()];
    const token = await tokens.startFamily(live, erased, new Date());
    await tokens.revokeFamilyOf(await tokens.startFamily(loggedOut, erased, new Date()), new Date());
    const other = await tokens.startFamily(uuidv7(), userId, new Date());
    expect(await tokens.eraseAllOf(erased, new Date())).toEqual([live]);
    expect((await pool.query(`SELECT 1 FROM auth.refresh_token_families WHERE user_id = $1`, [erased])).rowCount).toBe(0);
    expect(await tokens.rotate(token, new Date())).toEqual({ outcome: 'invalid' });
    expect((await tokens.rotate(other, new Date())).outcome).toBe('rotated');
    expect(await tokens.eraseAllOf(erased, new Date())).toEqual([]);
  });
});
