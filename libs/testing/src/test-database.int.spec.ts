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

  it('lets connections that are leaving leave before the drop ends them', async () => {
    const leaving = await createTestDatabase();
    const client = new Client({ connectionString: leaving.url });
    const errors: unknown[] = [];
    client.on('error', (err) => errors.push(err));
    await client.connect();
    await client.query('SELECT 1');
    // It leaves 150 ms after the drop starts, as the clients of a pool that was just ended are on their way out.
    const ended = new Promise((resolve) => setTimeout(resolve, 150)).then(() => client.end());
    await leaving.drop();
    await ended;
    expect(errors).toEqual([]);
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    const { rows } = await admin.query('SELECT count(*)::int AS n FROM pg_database WHERE datname = $1', [leaving.name]);
    await admin.end();
    expect(rows[0].n).toBe(0);
  });
});
