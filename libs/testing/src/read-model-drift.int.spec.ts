import { Client } from 'pg';
import { readModelDrift } from './read-model-drift';
import { createTestDatabase, type TestDatabase } from './test-database';
import { uniqueSuffix } from './test-env';

/** The drift guard itself: silent on a model that matches its table, loud on every kind of difference. */
describe('read-model drift', () => {
  const schema = `drift_${uniqueSuffix(4)}`;
  let db: TestDatabase;

  const FIELDS = {
    id: 'id        String   @id @db.Uuid',
    orgId: 'orgId     String   @map("org_id") @db.Uuid',
    name: 'name      String',
    note: 'note      String?',
    amount: 'amount    Decimal  @db.Decimal(28, 12)',
    tags: 'tags      String[]',
    createdAt: 'createdAt DateTime @map("created_at") @db.Timestamptz(3)',
    payload: 'payload   Json',
    kind: 'kind      Kind',
  };
  type Fields = Partial<Record<keyof typeof FIELDS | 'extra', string | null>>;
  /** The Prisma schema of the table, with some fields replaced (null: left out). */
  const prisma = (change: Fields = {}, table = 'items') => `
    datasource db {
      provider = "postgresql"
      schemas  = ["${schema}"]
    }
    enum Kind {
      a
      b
      @@map("item_kind")
      @@schema("${schema}")
    }
    model Item {
      ${Object.values({ ...FIELDS, ...change })
        .filter((f) => f)
        .join('\n      ')}
      @@map("${table}")
      @@schema("${schema}")
    }`;
  const drift = (change?: Fields, table?: string) => readModelDrift(prisma(change, table), db.url);
  const where = `model Item (${schema}.items)`;

  beforeAll(async () => {
    db = await createTestDatabase();
    const c = new Client({ connectionString: db.url });
    await c.connect();
    await c.query(`
      CREATE SCHEMA ${schema};
      CREATE TYPE ${schema}.item_kind AS ENUM ('a', 'b');
      CREATE TABLE ${schema}.items (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL,
        name text NOT NULL,
        note text,
        amount numeric(28, 12) NOT NULL,
        tags text[] NOT NULL,
        created_at timestamptz(3) NOT NULL,
        payload jsonb NOT NULL,
        kind ${schema}.item_kind NOT NULL
      );`);
    await c.end();
  });
  afterAll(() => db?.drop());

  it('finds nothing when the model describes its table exactly', async () => {
    expect(await drift()).toEqual([]);
  });

  it('finds a column in SQL that the model lacks', async () => {
    expect(await drift({ note: null })).toEqual([`${where}: column note is in SQL, not in the model`]);
  });

  it('finds a field whose column is not in SQL, and a column name that ignores @map', async () => {
    expect(await drift({ extra: 'extra Int' })).toEqual([`${where}: field extra has no column extra in SQL`]);
    expect(await drift({ orgId: 'orgId String @db.Uuid' })).toEqual([
      `${where}: field orgId has no column orgId in SQL`,
      `${where}: column org_id is in SQL, not in the model`,
    ]);
  });

  it('finds a type that differs, down to the native type, length, precision and scale', async () => {
    expect(await drift({ name: 'name Int' })).toEqual([`${where}: field name is int4 in Prisma, column name is text in SQL`]);
    expect(await drift({ name: 'name String @db.VarChar(20)' })).toEqual([
      `${where}: field name is varchar(20) in Prisma, column name is text in SQL`,
    ]);
    expect(await drift({ orgId: 'orgId String @map("org_id")' })).toEqual([
      `${where}: field orgId is text in Prisma, column org_id is uuid in SQL`,
    ]);
    expect(await drift({ createdAt: 'createdAt DateTime @map("created_at")' })).toEqual([
      `${where}: field createdAt is timestamp(3) in Prisma, column created_at is timestamptz(3) in SQL`,
    ]);
    expect(await drift({ createdAt: 'createdAt DateTime @map("created_at") @db.Timestamptz(6)' })).toEqual([
      `${where}: field createdAt is timestamptz(6) in Prisma, column created_at is timestamptz(3) in SQL`,
    ]);
    expect(await drift({ amount: 'amount Decimal @db.Decimal(10, 2)' })).toEqual([
      `${where}: field amount is numeric(10,2) in Prisma, column amount is numeric(28,12) in SQL`,
    ]);
    expect(await drift({ payload: 'payload Json @db.Json' })).toEqual([
      `${where}: field payload is json in Prisma, column payload is jsonb in SQL`,
    ]);
    expect(await drift({ tags: 'tags String' })).toEqual([`${where}: field tags is text in Prisma, column tags is text[] in SQL`]);
    expect(await drift({ kind: 'kind String' })).toEqual([`${where}: field kind is text in Prisma, column kind is item_kind in SQL`]);
  });

  it('finds a nullability that differs, both ways', async () => {
    expect(await drift({ note: 'note String' })).toEqual([`${where}: field note is required in Prisma, column note is NULL in SQL`]);
    expect(await drift({ name: 'name String?' })).toEqual([`${where}: field name is optional in Prisma, column name is NOT NULL in SQL`]);
  });

  it('says so when the Prisma schema does not parse', async () => {
    await expect(readModelDrift('model Item {', db.url)).rejects.toThrow(/^schema.prisma does not parse: .*error/);
  });

  it('finds a model without a table', async () => {
    expect(await drift({}, 'itemz')).toEqual([`model Item (${schema}.itemz): no such table in SQL`]);
  });
});
