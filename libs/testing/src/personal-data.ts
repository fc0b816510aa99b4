import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { testEnv } from './test-env';

/**
 * The personal data (emails, names) and secrets that the tests of this process sent to the platform: every `email`
 * and `name` of a signup, every `email` of a member or invitation request, and every provider admin key of a
 * connection registered or rotated, sent through an Agent; and whatever a test registers itself with
 * recordPersonalData (the prompt text of spans it sends, which no Agent route names). The scan at
 * TestPlatform.stop() looks for each of them in clear everywhere the platform keeps or writes data (tables,
 * JetStream, Redis, logs).
 */
const recorded = new Set<string>();

/** Values shorter than this are too likely to match by chance ("Bob" in "Bobcat"). */
const MIN_LENGTH = 6;

const SIGNUP = /^\/v1\/auth\/(session\/)?signup$/;
const MEMBERS = /\/(members|invitations)(\/|$)/;
const PROVIDER_CONNECTIONS = /^\/v1\/(organizations\/[^/]+\/providers|providers\/[^/]+)$/;
const PROVIDER_KEYS = /^\/v1\/projects\/[^/]+\/provider-keys$/;

/** Adds values to look for; those shorter than MIN_LENGTH are left out (they would match by chance). */
export function recordPersonalData(...values: (string | undefined)[]): void {
  for (const value of values) if (typeof value === 'string' && value.length >= MIN_LENGTH) recorded.add(value);
}

/** What Agent.request calls for every body it sends. */
export function recordRequestPersonalData(path: string, body: unknown): void {
  if (typeof body !== 'object' || body === null) return;
  const { email, name } = body as { email?: unknown; name?: unknown };
  const route = path.split('?')[0];
  if (SIGNUP.test(route)) recordPersonalData(String(email ?? ''), String(name ?? ''));
  else if (MEMBERS.test(route) && typeof email === 'string') recordPersonalData(email);
  else if (PROVIDER_CONNECTIONS.test(route)) {
    const { credentials } = body as { credentials?: { adminKey?: unknown } };
    if (typeof credentials?.adminKey === 'string') recordPersonalData(credentials.adminKey);
  } else if (PROVIDER_KEYS.test(route)) {
    const { key } = body as { key?: unknown };
    if (typeof key === 'string') recordPersonalData(key);
  }
}

export function recordedPersonalData(): string[] {
  return [...recorded];
}

export interface PersonalDataFinding {
  /** `postgres:<schema>.<table>.<column>`, `jetstream:<stream>#<seq>`, `redis:<key>`, `log:<file>`. */
  where: string;
  value: string;
}

export interface PersonalDataScanTarget {
  /** The platform's database: every text, varchar, json and jsonb column of every table of every schema. */
  databaseUrl: string;
  /** The JetStream streams whose names end with `_<natsPrefix>`, every message's data and headers. */
  natsPrefix: string;
  /** The NATS server holding those streams; the machine's by default. */
  natsUrl?: string;
  /** Every file in this folder (the services' log output). */
  logDir?: string;
  /** Redis keys containing the prefix, and their values. */
  redisPattern?: string;
}

const SKIPPED_SCHEMAS = ['pg_catalog', 'information_schema', 'pg_toast'];

function hits(text: string, values: string[]): string[] {
  const lower = text.toLowerCase();
  return values.filter((v) => lower.includes(v.toLowerCase()));
}

/**
 * One pass over each table (a partitioned table once, through its parent): the rows whose text columns, joined and
 * lowercased once, contain a value; then which column holds it. A query per column and value (`ILIKE ANY`) took
 * 30 s at a platform's stop once a test had ingested a few thousand records.
 */
async function scanPostgres(databaseUrl: string, values: string[]): Promise<PersonalDataFinding[]> {
  const findings: PersonalDataFinding[] = [];
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ table_schema: string; table_name: string; columns: string[] }>(
      `SELECT n.nspname AS table_schema, c.relname AS table_name, array_agg(a.attname::text ORDER BY a.attnum) AS columns
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         JOIN pg_type t ON t.oid = a.atttypid
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname <> ALL($1) AND n.nspname NOT LIKE 'pg_temp%'
          AND (t.typcategory IN ('S', 'A') OR t.typname IN ('json', 'jsonb'))
        GROUP BY n.nspname, c.relname`,
      [SKIPPED_SCHEMAS],
    );
    const patterns = values.map((v) => `%${v.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
    for (const table of tables) {
      const columns = table.columns.map((c) => `${ident(c)}::text`);
      // A separator no value holds, so that no match spans two columns.
      const joined = columns.map((c) => `coalesce(${c}, '')`).join(` || E'\\x01' || `);
      const { rows } = await client.query<Record<string, string | null>>(
        `SELECT ${columns.map((c, i) => `${c} AS c${i}`).join(', ')} FROM ${ident(table.table_schema)}.${ident(table.table_name)}
          WHERE lower(${joined}) LIKE ANY (ARRAY(SELECT lower(p) FROM unnest($1::text[]) AS p))`,
        [patterns],
      );
      for (const row of rows)
        table.columns.forEach((column, i) => {
          for (const value of hits(row[`c${i}`] ?? '', values))
            findings.push({ where: `postgres:${table.table_schema}.${table.table_name}.${column}`, value });
        });
    }
  } finally {
    await client.end();
  }
  return findings;
}

async function scanJetStream(natsPrefix: string, natsUrl: string, values: string[]): Promise<PersonalDataFinding[]> {
  const findings: PersonalDataFinding[] = [];
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names()) {
      if (!name.endsWith(`_${natsPrefix}`)) continue;
      const { state } = await jsm.streams.info(name);
      for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
        const msg = await jsm.streams.getMessage(name, { seq }).catch(() => null);
        if (!msg) continue;
        const text = `${msg.subject}\n${msg.header ? JSON.stringify([...msg.header]) : ''}\n${Buffer.from(msg.data).toString('utf8')}`;
        for (const value of hits(text, values)) findings.push({ where: `jetstream:${name}#${seq}`, value });
      }
    }
  } finally {
    await nc.close();
  }
  return findings;
}

async function scanRedis(pattern: string, values: string[]): Promise<PersonalDataFinding[]> {
  const findings: PersonalDataFinding[] = [];
  const redis = new Redis(testEnv.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', '500');
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        let content = '';
        if (type === 'string') content = (await redis.get(key)) ?? '';
        else if (type === 'hash') content = JSON.stringify(await redis.hgetall(key));
        else if (type === 'list') content = JSON.stringify(await redis.lrange(key, 0, -1));
        else if (type === 'set') content = JSON.stringify(await redis.smembers(key));
        else if (type === 'zset') content = JSON.stringify(await redis.zrange(key, '0', '-1'));
        for (const value of hits(`${key}\n${content}`, values)) findings.push({ where: `redis:${key}`, value });
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return findings;
}

async function scanLogs(logDir: string, values: string[]): Promise<PersonalDataFinding[]> {
  const findings: PersonalDataFinding[] = [];
  const files = await readdir(logDir).catch(() => [] as string[]);
  for (const file of files) {
    const text = await readFile(join(logDir, file), 'utf8');
    for (const value of hits(text, values)) findings.push({ where: `log:${file}`, value });
  }
  return findings;
}

/**
 * Looks for each value in clear in the platform's PostgreSQL tables (the event store's stream ids, data and
 * metadata included), JetStream messages, Redis, and service logs. Personal fields are encrypted per subject
 * (libs/crypto, docs/security.md "Personal data"), so any finding is a leak.
 */
export async function scanForPersonalData(target: PersonalDataScanTarget, values: string[]): Promise<PersonalDataFinding[]> {
  if (values.length === 0) return [];
  return [
    ...(await scanPostgres(target.databaseUrl, values)),
    ...(await scanJetStream(target.natsPrefix, target.natsUrl ?? testEnv.natsUrl, values)),
    ...(target.redisPattern ? await scanRedis(target.redisPattern, values) : []),
    ...(target.logDir ? await scanLogs(target.logDir, values) : []),
  ];
}
