import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { recordedPersonalData, recordPersonalData, recordRequestPersonalData, scanForPersonalData } from './personal-data';
import { createTestDatabase, type TestDatabase } from './test-database';
import { testEnv, uniqueSuffix } from './test-env';

// Each scan reads every text column of a migrated database, the run's streams and the shared Redis: seconds on a
// loaded machine, more than Jest's default 5 s.
jest.setTimeout(60_000);

// The scan that TestPlatform.stop() runs must find a plaintext email wherever it is planted: a table of any
// schema (text and jsonb), a JetStream message's data or headers, a Redis key or value, a service log. A value
// planted nowhere is found nowhere, so the e2e runs that find nothing are not passing vacuously.
describe('the personal-data scan', () => {
  const prefix = `t${uniqueSuffix(4)}`;
  const stream = `PLANTED_${prefix}`;
  const email = `planted-${uniqueSuffix(4)}@victim.example`;
  const name = `Planted Person ${uniqueSuffix(3)}`;
  let db: TestDatabase;
  let logDir: string;
  let redis: Redis;

  beforeAll(async () => {
    db = await createTestDatabase();
    logDir = mkdtempSync(join(tmpdir(), 'llmlab-scan-'));
    redis = new Redis(testEnv.redisUrl);
  });
  afterAll(async () => {
    const nc = await connect({ servers: testEnv.natsUrl });
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
    await nc.close();
    await redis.del(`${prefix}:planted`, `${prefix}:planted-hash`);
    redis.disconnect();
    rmSync(logDir, { recursive: true, force: true });
    await db.drop();
  });

  it('records the emails and names of signups and the emails of member requests sent through an Agent', () => {
    recordRequestPersonalData('/v1/auth/signup', { email: 'signup-recorded@example.com', name: 'Signup Recorded', password: 'secret-pw' });
    recordRequestPersonalData('/v1/organizations/x/members', { email: 'member-recorded@example.com', role: 'viewer' });
    recordRequestPersonalData('/v1/organizations/x/projects', { name: 'A project name' });
    expect(recordedPersonalData()).toEqual(
      expect.arrayContaining(['signup-recorded@example.com', 'Signup Recorded', 'member-recorded@example.com']),
    );
    expect(recordedPersonalData()).not.toContain('A project name');
    expect(recordedPersonalData()).not.toContain('secret-pw');
  });

  it('records the provider admin keys of connections registered or rotated, as secrets to find nowhere in clear', () => {
    recordRequestPersonalData('/v1/organizations/x/providers', {
      provider: 'openai',
      name: 'OpenAI',
      credentials: { adminKey: 'sk-admin-registered-1' },
    });
    recordRequestPersonalData('/v1/providers/c', { credentials: { adminKey: 'sk-admin-rotated-2' } });
    recordRequestPersonalData('/v1/providers/c/sync', { credentials: { adminKey: 'sk-admin-not-a-connection' } });
    expect(recordedPersonalData()).toEqual(expect.arrayContaining(['sk-admin-registered-1', 'sk-admin-rotated-2']));
    expect(recordedPersonalData()).not.toContain('sk-admin-not-a-connection');
  });

  it('records the values a test registers itself (the prompt text of spans), not those too short to search for', () => {
    recordPersonalData('prompt-registered-by-a-test', 'short', undefined);
    expect(recordedPersonalData()).toContain('prompt-registered-by-a-test');
    expect(recordedPersonalData()).not.toContain('short');
  });

  it('finds nothing where nothing was planted', async () => {
    expect(
      await scanForPersonalData({ databaseUrl: db.url, natsPrefix: prefix, logDir, redisPattern: `*${prefix}*` }, [email, name]),
    ).toEqual([]);
  });

  it('finds a plaintext email in a table, JetStream, Redis and a log, and says where', async () => {
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    await pg.query(`CREATE SCHEMA planted; CREATE TABLE planted.people (id int, note text, doc jsonb)`);
    await pg.query(`INSERT INTO planted.people VALUES (1, $1, $2)`, [`contact ${email.toUpperCase()}`, JSON.stringify({ who: { name } })]);
    // A partitioned table is read through its parent, once: the finding names the parent.
    await pg.query(
      `CREATE TABLE planted.calls (at date, who varchar(200), tags text[]) PARTITION BY RANGE (at);
       CREATE TABLE planted.calls_2026 PARTITION OF planted.calls FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')`,
    );
    await pg.query(`INSERT INTO planted.calls VALUES ('2026-05-01', 'nobody', ARRAY['x', $1])`, [name.toLowerCase()]);
    await pg.end();

    const nc = await connect({ servers: testEnv.natsUrl });
    await (await jetstreamManager(nc)).streams.add({ name: stream, subjects: [`${prefix}.planted.>`] });
    const h = headers();
    h.set('x-who', email);
    await jetstream(nc).publish(`${prefix}.planted.one`, JSON.stringify({ ok: true }), { headers: h });
    await jetstream(nc).publish(`${prefix}.planted.two`, JSON.stringify({ user: { email } }));
    await nc.close();

    await redis.set(`${prefix}:planted`, JSON.stringify({ email }));
    await redis.hset(`${prefix}:planted-hash`, name, '1');
    writeFileSync(join(logDir, 'auth.log'), `{"level":"warn","msg":"login failed for ${email}"}\n`);

    const findings = await scanForPersonalData({ databaseUrl: db.url, natsPrefix: prefix, logDir, redisPattern: `*${prefix}*` }, [
      email,
      name,
    ]);
    expect(findings).toEqual(
      expect.arrayContaining([
        { where: 'postgres:planted.people.note', value: email },
        { where: 'postgres:planted.people.doc', value: name },
        { where: 'postgres:planted.calls.tags', value: name },
        { where: `jetstream:${stream}#1`, value: email },
        { where: `jetstream:${stream}#2`, value: email },
        { where: `redis:${prefix}:planted`, value: email },
        { where: `redis:${prefix}:planted-hash`, value: name },
        { where: 'log:auth.log', value: email },
      ]),
    );
    expect(findings).toHaveLength(8);
  });
});
