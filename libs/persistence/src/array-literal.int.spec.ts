import { createTestDatabase, type TestDatabase } from '@llmlab/testing';
import { Client } from 'pg';
import { arrayLiteral } from './array-literal';

/** What PostgreSQL reads from the literal is what was passed, element for element, for every type the projection uses. */
describe('arrayLiteral (PostgreSQL)', () => {
  let db: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    client = new Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  const roundTrip = async (type: string, values: readonly (string | number | boolean | null)[]) => {
    const { rows } = await client.query<{ v: unknown; t: string | null }>(
      `SELECT v, v::text AS t FROM unnest($1::${type}[]) WITH ORDINALITY AS a(v, n) ORDER BY n`,
      [arrayLiteral(values)],
    );
    return rows;
  };

  it('keeps every text as it is: quotes, backslashes, braces, commas, spaces, NULL and empty, Unicode', async () => {
    const texts = [
      'plain',
      '',
      'NULL',
      'null',
      ' padded ',
      'a,b',
      '{x}',
      'say "hi"',
      'back\\slash',
      '\\"',
      '"',
      '\\',
      'é 漢字 🚀',
      'tab\there',
      'new\nline',
    ];
    const rows = await roundTrip('text', [...texts, null]);
    expect(rows.map((r) => r.v)).toEqual([...texts, null]);
  });

  it('writes numbers, booleans, timestamps, uuids and JSON as their types read them', async () => {
    expect((await roundTrip('bigint', [0, 1, -7, 9007199254740991, null])).map((r) => r.t)).toEqual([
      '0',
      '1',
      '-7',
      '9007199254740991',
      null,
    ]);
    expect((await roundTrip('numeric', [0.5, 1e-7, 12, '0.000000123456789012'])).map((r) => r.t)).toEqual([
      '0.5',
      '0.0000001',
      '12',
      '0.000000123456789012',
    ]);
    expect((await roundTrip('boolean', [true, false, null])).map((r) => r.v)).toEqual([true, false, null]);
    expect((await roundTrip('timestamptz', ['2025-06-01T12:00:00.123Z'])).map((r) => (r.v as Date).toISOString())).toEqual([
      '2025-06-01T12:00:00.123Z',
    ]);
    expect((await roundTrip('uuid', ['0197A1C2-5B1E-7C3D-9F00-3A1B2C3D4E5F'])).map((r) => r.v)).toEqual([
      '0197a1c2-5b1e-7c3d-9f00-3a1b2c3d4e5f',
    ]);
    const json = [JSON.stringify({ a: 'x "y" \\ z', b: [1, null], c: { '': 'NULL' } }), JSON.stringify({}), null];
    expect((await roundTrip('jsonb', json)).map((r) => r.v)).toEqual([JSON.parse(json[0]!), {}, null]);
  });

  it('is what node-postgres writes for the same array, read back', async () => {
    const values = ['a', 'b"c', 'd\\e', null, ''];
    const { rows } = await client.query<{ same: boolean }>('SELECT $1::text[] = $2::text[] AS same', [arrayLiteral(values), values]);
    expect(rows[0].same).toBe(true);
  });

  it('refuses a number PostgreSQL cannot read', () => {
    expect(() => arrayLiteral([1, Number.NaN])).toThrow(RangeError);
    expect(() => arrayLiteral([Number.POSITIVE_INFINITY])).toThrow(RangeError);
  });
});
