import { apiKeyUseGateKey } from '@llmlab/contracts';
import { createLogger } from '@llmlab/logging';
import { createTestDatabase, TestDatabase, testEnv, uniqueSuffix } from '@llmlab/testing';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import type { AuthConfig } from '../auth.config';
import { ApiKeyUsage } from './api-key-usage';

// The last use of an API key on real PostgreSQL (as llmlab_app) and Redis: one write per key and minute, whoever
// reports it, with the database's own condition holding the bound when the Redis gate lets a report through.
describe('API key usage (PostgreSQL, Redis)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let redis: Redis;
  let usage: ApiKeyUsage;
  const namespace = `aku${uniqueSuffix(3)}`;
  const apiKeyId = uuidv7();

  const lastUsed = async () =>
    (await pool.query<{ last_used_at: Date | null }>(`SELECT last_used_at FROM auth.api_keys WHERE id = $1`, [apiKeyId])).rows[0]
      .last_used_at;

  beforeAll(async () => {
    db = await createTestDatabase();
    const admin = new Pool({ connectionString: db.url, max: 1 });
    const [organizationId, projectId] = [uuidv7(), uuidv7()];
    await admin.query(`INSERT INTO auth.organizations (id, name, created_at, updated_at, revision) VALUES ($1, 'Org', now(), now(), 0)`, [
      organizationId,
    ]);
    await admin.query(
      `INSERT INTO auth.projects (id, organization_id, name, created_at, updated_at, revision) VALUES ($1, $2, 'P', now(), now(), 0)`,
      [projectId, organizationId],
    );
    await admin.query(
      `INSERT INTO auth.api_keys (id, organization_id, project_id, name, prefix, key_hash, scopes, created_by, created_at)
       VALUES ($1, $2, $3, 'k', 'llm_test_abcd', 'h', '{read}', $4, now())`,
      [apiKeyId, organizationId, projectId, uuidv7()],
    );
    await admin.end();
    pool = new Pool({ connectionString: db.url, options: '-c role=llmlab_app', max: 2 });
    redis = new Redis(testEnv.redisUrl);
    usage = new ApiKeyUsage(pool, redis, { NATS_PREFIX: namespace } as AuthConfig, createLogger({ service: 'auth', level: 'silent' }));
  });
  afterAll(async () => {
    await redis.del(apiKeyUseGateKey(namespace, apiKeyId));
    redis.disconnect();
    await pool.end();
    await db.drop();
  });

  it('writes the first use, then nothing more within the minute', async () => {
    const t0 = new Date('2026-12-01T10:00:00.000Z');
    await usage.record({ apiKeyId, usedAt: t0.toISOString() }, new Date(t0.getTime() + 1000));
    expect(await lastUsed()).toEqual(t0);
    for (let s = 1; s <= 5; s++) await usage.record({ apiKeyId, usedAt: new Date(t0.getTime() + s * 1000).toISOString() }, new Date());
    expect(await lastUsed()).toEqual(t0);
    expect(await redis.pttl(apiKeyUseGateKey(namespace, apiKeyId))).toBeGreaterThan(50_000);
  });

  it('holds the bound in the database when the gate lets a report through (another minute of Redis, or none)', async () => {
    await redis.del(apiKeyUseGateKey(namespace, apiKeyId));
    await usage.record({ apiKeyId, usedAt: '2026-12-01T10:00:30.000Z' }, new Date());
    expect(await lastUsed()).toEqual(new Date('2026-12-01T10:00:00.000Z'));
    await redis.del(apiKeyUseGateKey(namespace, apiKeyId));
    await usage.record({ apiKeyId, usedAt: '2026-12-01T10:01:00.000Z' }, new Date());
    expect(await lastUsed()).toEqual(new Date('2026-12-01T10:01:00.000Z'));
  });

  it('never takes a time beyond its own clock, and refuses a malformed report', async () => {
    await redis.del(apiKeyUseGateKey(namespace, apiKeyId));
    const now = new Date('2026-12-01T11:00:00.000Z');
    await usage.record({ apiKeyId, usedAt: '2030-01-01T00:00:00.000Z' }, now);
    expect(await lastUsed()).toEqual(now);
    await expect(usage.record({ apiKeyId: 'not-a-uuid', usedAt: now.toISOString() })).rejects.toMatchObject({ code: 'API_KEY_INVALID' });
  });
});
