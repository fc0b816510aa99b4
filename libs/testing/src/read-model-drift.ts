import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { get_dmmf } from '@prisma/prisma-schema-wasm';
import { repositoryRoot } from '@llmlab/persistence';
import { Client } from 'pg';
import { createTestDatabase } from './test-database';

/** The parts of Prisma's DMMF this check reads (from `schema.prisma`, by Prisma's own parser in WebAssembly). */
interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported';
  type: string;
  nativeType?: [string, string[]] | null;
  isRequired: boolean;
  isList: boolean;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  schema: string | null;
  fields: DmmfField[];
}
interface Dmmf {
  models: DmmfModel[];
  enums: { name: string; dbName?: string | null }[];
}

interface Column {
  column_name: string;
  is_nullable: 'YES' | 'NO';
  data_type: string;
  udt_name: string;
  character_maximum_length: number | null;
  numeric_precision: number | null;
  numeric_scale: number | null;
  datetime_precision: number | null;
}

/** The PostgreSQL type a Prisma field asks for: `udt_name` plus the modifiers that matter (length, precision, scale). */
interface ExpectedType {
  udt: string;
  length?: number;
  precision?: number;
  scale?: number;
  datetimePrecision?: number;
}

/** Prisma's PostgreSQL native types (`@db.X`), and the type of a scalar without one: Prisma's defaults. */
const NATIVE: Record<string, (args: number[]) => ExpectedType> = {
  Text: () => ({ udt: 'text' }),
  Uuid: () => ({ udt: 'uuid' }),
  VarChar: ([n]) => ({ udt: 'varchar', length: n }),
  Char: ([n]) => ({ udt: 'bpchar', length: n ?? 1 }),
  Citext: () => ({ udt: 'citext' }),
  Inet: () => ({ udt: 'inet' }),
  Xml: () => ({ udt: 'xml' }),
  Bit: ([n]) => ({ udt: 'bit', length: n ?? 1 }),
  VarBit: ([n]) => ({ udt: 'varbit', length: n }),
  SmallInt: () => ({ udt: 'int2' }),
  Integer: () => ({ udt: 'int4' }),
  Oid: () => ({ udt: 'oid' }),
  BigInt: () => ({ udt: 'int8' }),
  Real: () => ({ udt: 'float4' }),
  DoublePrecision: () => ({ udt: 'float8' }),
  Decimal: ([p, s]) => ({ udt: 'numeric', precision: p, scale: s ?? (p === undefined ? undefined : 0) }),
  Money: () => ({ udt: 'money' }),
  Boolean: () => ({ udt: 'bool' }),
  Timestamp: ([n]) => ({ udt: 'timestamp', datetimePrecision: n ?? 6 }),
  Timestamptz: ([n]) => ({ udt: 'timestamptz', datetimePrecision: n ?? 6 }),
  Date: () => ({ udt: 'date' }),
  Time: ([n]) => ({ udt: 'time', datetimePrecision: n ?? 6 }),
  Timetz: ([n]) => ({ udt: 'timetz', datetimePrecision: n ?? 6 }),
  Json: () => ({ udt: 'json' }),
  JsonB: () => ({ udt: 'jsonb' }),
  ByteA: () => ({ udt: 'bytea' }),
};
const DEFAULT: Record<string, ExpectedType> = {
  String: { udt: 'text' },
  Int: { udt: 'int4' },
  BigInt: { udt: 'int8' },
  Float: { udt: 'float8' },
  Decimal: { udt: 'numeric', precision: 65, scale: 30 },
  Boolean: { udt: 'bool' },
  DateTime: { udt: 'timestamp', datetimePrecision: 3 },
  Json: { udt: 'jsonb' },
  Bytes: { udt: 'bytea' },
};

function expectedType(field: DmmfField, enums: Map<string, string>): ExpectedType | string {
  if (field.kind === 'enum') return { udt: enums.get(field.type) ?? field.type };
  if (field.nativeType) {
    const [name, args] = field.nativeType;
    const native = NATIVE[name];
    return native ? native(args.map(Number)) : `@db.${name}, which this check does not know`;
  }
  return DEFAULT[field.type] ?? `type ${field.type}, which this check does not know`;
}

function describeType(t: ExpectedType, list: boolean): string {
  const mods = [t.length, t.precision, t.scale, t.datetimePrecision].filter((m) => m !== undefined);
  return `${t.udt}${mods.length ? `(${mods.join(',')})` : ''}${list ? '[]' : ''}`;
}

function actualType(c: Column, expected: ExpectedType): ExpectedType {
  const udt = c.udt_name.replace(/^_/, '');
  return {
    udt,
    ...(expected.length !== undefined ? { length: c.character_maximum_length ?? undefined } : {}),
    ...(expected.precision !== undefined ? { precision: c.numeric_precision ?? undefined } : {}),
    ...(expected.scale !== undefined ? { scale: c.numeric_scale ?? undefined } : {}),
    ...(expected.datetimePrecision !== undefined ? { datetimePrecision: c.datetime_precision ?? undefined } : {}),
  };
}

const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** The data model of a Prisma schema, parsed offline by Prisma's own parser (no engine binary, no generated client). */
export function prismaDataModel(prismaSchema: string): Dmmf {
  let dmmf: string;
  try {
    dmmf = get_dmmf(JSON.stringify({ prismaSchema: [['schema.prisma', prismaSchema]] }));
  } catch (err) {
    // Prisma's validation errors come as JSON with terminal colours: keep the message, drop the escapes.
    const text = err instanceof Error ? err.message : String(err);
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      // not JSON: the text as it is
    }
    throw new Error(`schema.prisma does not parse: ${message.replace(ANSI_COLOUR, '')}`, { cause: err });
  }
  return (JSON.parse(dmmf) as { datamodel: Dmmf }).datamodel;
}

/**
 * Every difference between the Prisma models and the tables of a migrated database, both ways: a table missing, a
 * column in SQL that no field maps (`@map` honoured), a field whose column is not in SQL, a type (with length,
 * precision, scale) or a nullability that differ. The SQL migrations are the truth; an empty list means
 * `schema.prisma` describes them exactly. Tables without a model are not checked (a service may keep some to raw
 * SQL). Relation fields are not columns and are skipped.
 */
export async function readModelDrift(prismaSchema: string, databaseUrl: string): Promise<string[]> {
  const { models, enums: enumList } = prismaDataModel(prismaSchema);
  const enums = new Map(enumList.map((e) => [e.name, e.dbName ?? e.name]));
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const drift: string[] = [];
    for (const model of models) {
      const schema = model.schema ?? 'public';
      const table = model.dbName ?? model.name;
      const where = `model ${model.name} (${schema}.${table})`;
      const { rows } = await client.query<Column>(
        `SELECT column_name, is_nullable, data_type, udt_name, character_maximum_length, numeric_precision, numeric_scale,
                datetime_precision
           FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
        [schema, table],
      );
      if (!rows.length) {
        drift.push(`${where}: no such table in SQL`);
        continue;
      }
      const columns = new Map(rows.map((c) => [c.column_name, c]));
      const mapped = new Set<string>();
      for (const field of model.fields) {
        if (field.kind === 'object') continue;
        const name = field.dbName ?? field.name;
        mapped.add(name);
        const column = columns.get(name);
        if (!column) {
          drift.push(`${where}: field ${field.name} has no column ${name} in SQL`);
          continue;
        }
        const expected = expectedType(field, enums);
        if (typeof expected === 'string') {
          drift.push(`${where}: field ${field.name}: ${expected}`);
          continue;
        }
        const isArray = column.data_type === 'ARRAY';
        const actual = actualType(column, expected);
        if (isArray !== field.isList || JSON.stringify(actual) !== JSON.stringify(expected))
          drift.push(
            `${where}: field ${field.name} is ${describeType(expected, field.isList)} in Prisma, column ${name} is ${describeType(actual, isArray)} in SQL`,
          );
        const nullable = column.is_nullable === 'YES';
        // Prisma lists are never optional; a nullable array column is still a difference.
        if (nullable === field.isRequired)
          drift.push(
            `${where}: field ${field.name} is ${field.isRequired ? 'required' : 'optional'} in Prisma, column ${name} is ${nullable ? 'NULL' : 'NOT NULL'} in SQL`,
          );
      }
      for (const name of columns.keys()) if (!mapped.has(name)) drift.push(`${where}: column ${name} is in SQL, not in the model`);
    }
    return drift;
  } finally {
    await client.end();
  }
}

/** Fails with the list of differences between a service's `prisma/schema.prisma` and a migrated database. */
export async function expectReadModelsMatchSchema(service: string, databaseUrl: string): Promise<void> {
  const prismaSchema = readFileSync(join(repositoryRoot(), 'services', service, 'prisma', 'schema.prisma'), 'utf8');
  expect(prismaDataModel(prismaSchema).models.length).toBeGreaterThan(0);
  expect(await readModelDrift(prismaSchema, databaseUrl)).toEqual([]);
}

/**
 * The drift guard of a service, as a test file's only line: `schema.prisma` is kept in step with the SQL migrations
 * by hand (DESIGN.md section 4), so every model is compared with the tables of a freshly migrated database.
 */
export function describeReadModelDrift(service: string): void {
  describe(`${service} read models`, () => {
    it('match the tables of a freshly migrated database, column by column', async () => {
      const db = await createTestDatabase();
      try {
        await expectReadModelsMatchSchema(service, db.url);
      } finally {
        await db.drop();
      }
    });
  });
}
