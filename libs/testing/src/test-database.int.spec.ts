import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from './test-database';

describe('createTestDatabase', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('hands out a migrated copy of the template', async () => {
    const c = new Client({ connectionString: db.url });
    await c.connect();
    const { rows } = await c.query(`SELECT current_database() AS name`);
    await c.end();
    expect(rows[0].name).toBe(db.name);
  });
});
