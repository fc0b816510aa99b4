import { createTestDatabase, tolerateTeardown, type TestDatabase } from '@llmlab/testing';
import { Pool, type PoolClient } from 'pg';
import { applyInTransaction } from './apply-in-transaction';

describe('applyInTransaction', () => {
  let db: TestDatabase;
  let pool: Pool;
  const ref = { schema: 'projection_test', projection: 'budgets' };

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = tolerateTeardown(new Pool({ connectionString: db.url, max: 4 }));
    // What a service puts in its own migration (README), plus a read model to project into.
    await pool.query(`
      CREATE SCHEMA projection_test;
      CREATE TABLE projection_test.projection_checkpoints (projection text PRIMARY KEY, position bigint NOT NULL);
      CREATE TABLE projection_test.budgets (id text PRIMARY KEY, spent numeric NOT NULL);
      INSERT INTO projection_test.budgets VALUES ('b1', 0);
    `);
  });

  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  const spend = (amount: string) => (client: PoolClient) =>
    client.query(`UPDATE projection_test.budgets SET spent = spent + $1 WHERE id = 'b1'`, [amount]).then(() => undefined);

  async function state() {
    const spent = await pool.query(`SELECT spent::text FROM projection_test.budgets WHERE id = 'b1'`);
    const checkpoint = await pool.query(`SELECT position FROM projection_test.projection_checkpoints WHERE projection = 'budgets'`);
    return { spent: spent.rows[0].spent as string, position: checkpoint.rows[0] ? Number(checkpoint.rows[0].position) : null };
  }

  it('applies an event once: a redelivery of it, or of an older one, changes nothing', async () => {
    expect(await applyInTransaction(pool, ref, { position: 5 }, spend('1.50'))).toBe(true);
    expect(await state()).toEqual({ spent: '1.50', position: 5 });
    expect(await applyInTransaction(pool, ref, { position: 5 }, spend('1.50'))).toBe(false);
    expect(await applyInTransaction(pool, ref, { position: 3 }, spend('7'))).toBe(false);
    expect(await state()).toEqual({ spent: '1.50', position: 5 });
  });

  it('leaves both the read model and the checkpoint untouched when the write fails', async () => {
    const failing = async (client: PoolClient) => {
      await spend('100')(client);
      throw new Error('constraint violated');
    };
    await expect(applyInTransaction(pool, ref, { position: 9 }, failing)).rejects.toThrow('constraint violated');
    expect(await state()).toEqual({ spent: '1.50', position: 5 });
    expect(await applyInTransaction(pool, ref, { position: 9 }, spend('0.25'))).toBe(true);
    expect(await state()).toEqual({ spent: '1.75', position: 9 });
  });

  it('serialises concurrent deliveries of the same event on the checkpoint row', async () => {
    const results = await Promise.all(Array.from({ length: 4 }, () => applyInTransaction(pool, ref, { position: 12 }, spend('1'))));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await state()).toEqual({ spent: '2.75', position: 12 });
  });

  it('refuses a schema name it would have to quote', async () => {
    await expect(applyInTransaction(pool, { schema: 'x"; DROP', projection: 'p' }, { position: 1 }, spend('1'))).rejects.toThrow(/schema/);
  });
});
