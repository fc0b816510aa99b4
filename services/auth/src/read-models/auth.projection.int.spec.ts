import type { AuthEvent, RecordedEvent } from '@llmlab/contracts';
import { authCacheKeys } from '@llmlab/contracts';
import { applyInTransaction } from '@llmlab/messaging';
import { createTestDatabase, testEnv, TestDatabase, uniqueSuffix } from '@llmlab/testing';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import pino from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { CacheInvalidation } from '../access/cache-invalidation';
import { waitForProjection } from '@llmlab/messaging';
import { applyAuthEvent, AUTH_READ_MODELS } from './auth.projection';

describe('auth read-model projection (PostgreSQL, as llmlab_app)', () => {
  let db: TestDatabase;
  let pool: Pool;
  const redis = new Redis(testEnv.redisUrl);
  const namespace = `t${uniqueSuffix()}`;
  const invalidation = new CacheInvalidation(redis, namespace, pino({ level: 'silent' }));
  let position = 0;
  const revisions = new Map<string, number>();
  const at = '2026-11-27T10:00:00.000Z';
  const [org, owner, viewer, project, key] = [uuidv7(), uuidv7(), uuidv7(), uuidv7(), uuidv7()];

  /** Applies events as the consumer does, one transaction each, and returns the cache keys they made stale. */
  async function apply(stream: string, ...events: AuthEvent[]): Promise<string[]> {
    const stale: string[] = [];
    for (const event of events) {
      const revision = (revisions.get(stream) ?? -1) + 1;
      revisions.set(stream, revision);
      const recorded = {
        ...event,
        id: uuidv7(),
        version: 1,
        metadata: { actor: { type: 'system', id: 'system' }, correlationId: 't' },
        streamId: stream,
        revision,
        position: ++position,
        recordedAt: at,
      } as RecordedEvent;
      await applyInTransaction(pool, AUTH_READ_MODELS, recorded, async (tx) => {
        await applyAuthEvent(tx, recorded);
        stale.push(...(await invalidation.staleKeys(tx, event)));
      });
    }
    return stale;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new Pool({ connectionString: db.url, options: '-c role=llmlab_app', max: 3 });
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
    await redis.quit();
  });

  it('builds organizations, memberships and revisions', async () => {
    const stale = await apply(
      `auth.organization-${org}`,
      { type: 'OrganizationCreated', data: { organizationId: org, name: 'Acme', createdBy: owner, createdAt: at } },
      { type: 'MemberAdded', data: { organizationId: org, userId: owner, role: 'owner', addedBy: owner, addedAt: at } },
      { type: 'MemberAdded', data: { organizationId: org, userId: viewer, role: 'viewer', addedBy: owner, addedAt: at } },
      {
        type: 'MemberRoleChanged',
        data: { organizationId: org, userId: viewer, role: 'member', previousRole: 'viewer', changedBy: owner, changedAt: at },
      },
    );
    expect(stale).toEqual([
      authCacheKeys.access(namespace, owner),
      authCacheKeys.access(namespace, viewer),
      authCacheKeys.access(namespace, viewer),
    ]);
    const { rows } = await pool.query(`SELECT user_id, role FROM auth.memberships WHERE organization_id = $1 ORDER BY role`, [org]);
    expect(rows).toEqual([
      { user_id: viewer, role: 'member' },
      { user_id: owner, role: 'owner' },
    ]);
    expect((await pool.query(`SELECT name, revision FROM auth.organizations WHERE id = $1`, [org])).rows).toEqual([
      { name: 'Acme', revision: 3 },
    ]);
  });

  it('sets and clears rate-limit overrides, dropping every member and key cache entry of the organization', async () => {
    await apply(`auth.project-${project}`, {
      type: 'ProjectCreated',
      data: { projectId: project, organizationId: org, name: 'Bot', description: null, createdBy: owner, createdAt: at },
    });
    await apply(`auth.api-key-${key}`, {
      type: 'ApiKeyCreated',
      data: {
        apiKeyId: key,
        organizationId: org,
        projectId: project,
        name: 'k',
        prefix: 'llm_test_AbCd1234',
        hash: 'f'.repeat(64),
        scopes: ['read'],
        expiresAt: null,
        createdBy: owner,
        createdAt: at,
      },
    });
    const stale = await apply(`auth.organization-${org}`, {
      type: 'OrganizationRateLimitsChanged',
      data: {
        organizationId: org,
        rateLimits: { managementPerHour: 50, ingestPerHour: null },
        previous: { managementPerHour: null, ingestPerHour: null },
        changedBy: 'operator',
        changedAt: at,
      },
    });
    expect(stale.sort()).toEqual(
      [
        authCacheKeys.access(namespace, owner),
        authCacheKeys.access(namespace, viewer),
        authCacheKeys.apiKeyPrefix(namespace, 'llm_test_AbCd1234'),
      ].sort(),
    );
    expect(
      (await pool.query(`SELECT name, management_rate_limit, ingest_rate_limit FROM auth.organizations WHERE id = $1`, [org])).rows,
    ).toEqual([{ name: 'Acme', management_rate_limit: 50, ingest_rate_limit: null }]);
    await apply(`auth.organization-${org}`, {
      type: 'OrganizationUpdated',
      data: { organizationId: org, name: 'Acme 2', updatedBy: owner, updatedAt: at },
    });
    expect((await pool.query(`SELECT name, management_rate_limit FROM auth.organizations WHERE id = $1`, [org])).rows).toEqual([
      { name: 'Acme 2', management_rate_limit: 50 },
    ]);
  });

  it('archives projects and revokes keys, naming the key caches to drop', async () => {
    await redis.set(authCacheKeys.apiKeyPrefix(namespace, 'llm_test_AbCd1234'), '[]');
    const stale = await apply(`auth.project-${project}`, {
      type: 'ProjectArchived',
      data: { projectId: project, organizationId: org, archivedBy: owner, archivedAt: at },
    });
    await invalidation.drop(stale);
    expect(await redis.exists(authCacheKeys.apiKeyPrefix(namespace, 'llm_test_AbCd1234'))).toBe(0);
    await apply(`auth.api-key-${key}`, {
      type: 'ApiKeyRevoked',
      data: { apiKeyId: key, organizationId: org, projectId: project, prefix: 'llm_test_AbCd1234', revokedBy: owner, revokedAt: at },
    });
    const { rows } = await pool.query(
      `SELECT p.archived_at IS NOT NULL AS archived, k.revoked_at IS NOT NULL AS revoked FROM auth.projects p JOIN auth.api_keys k ON k.project_id = p.id`,
    );
    expect(rows).toEqual([{ archived: true, revoked: true }]);
  });

  it('settles invitations and forgets their ciphertext', async () => {
    const invitation = uuidv7();
    await apply(`auth.organization-${org}`, {
      type: 'MemberInvited',
      data: {
        organizationId: org,
        invitationId: invitation,
        emailHash: 'h',
        email: 'cipher',
        role: 'viewer',
        invitedBy: owner,
        invitedAt: at,
      },
    });
    await apply(`auth.organization-${org}`, {
      type: 'InvitationAccepted',
      data: { organizationId: org, invitationId: invitation, userId: uuidv7(), acceptedAt: at },
    });
    expect((await pool.query(`SELECT status, email_ciphertext FROM auth.invitations WHERE id = $1`, [invitation])).rows).toEqual([
      { status: 'accepted', email_ciphertext: null },
    ]);
  });

  it('skips a redelivered event, and lets writers wait for a position', async () => {
    const before = (await pool.query(`SELECT count(*)::int AS n FROM auth.memberships`)).rows[0].n;
    const redelivered = {
      type: 'MemberAdded',
      data: { organizationId: org, userId: uuidv7(), role: 'viewer', addedBy: owner, addedAt: at },
      id: uuidv7(),
      version: 1,
      metadata: { actor: { type: 'system', id: 'system' }, correlationId: 't' },
      streamId: `auth.organization-${org}`,
      revision: 1,
      position: 2,
      recordedAt: at,
    } as RecordedEvent;
    expect(await applyInTransaction(pool, AUTH_READ_MODELS, redelivered, (tx) => applyAuthEvent(tx, redelivered))).toBe(false);
    expect((await pool.query(`SELECT count(*)::int AS n FROM auth.memberships`)).rows[0].n).toBe(before);
    expect(await waitForProjection(pool, AUTH_READ_MODELS, position, 100)).toBe(true);
    expect(await waitForProjection(pool, AUTH_READ_MODELS, position + 1, 100)).toBe(false);
  });

  it("erases a user's row and the hash of the invitations they settled, keeping pending ones to the address", async () => {
    const [user, other, settled, pending] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
    const [otherOrg] = [uuidv7()];
    await apply(`auth.user-${user}`, {
      type: 'UserRegistered',
      data: { userId: user, emailHash: 'hash-erased', email: 'c1', name: 'c2', registeredAt: at },
    });
    await apply(
      `auth.organization-${otherOrg}`,
      { type: 'OrganizationCreated', data: { organizationId: otherOrg, name: 'Other', createdBy: other, createdAt: at } },
      {
        type: 'MemberInvited',
        data: {
          organizationId: otherOrg,
          invitationId: settled,
          emailHash: 'hash-erased',
          email: 'c3',
          role: 'member',
          invitedBy: other,
          invitedAt: at,
        },
      },
      { type: 'InvitationAccepted', data: { organizationId: otherOrg, invitationId: settled, userId: user, acceptedAt: at } },
      {
        type: 'MemberInvited',
        data: {
          organizationId: otherOrg,
          invitationId: pending,
          emailHash: 'hash-erased',
          email: 'c4',
          role: 'member',
          invitedBy: other,
          invitedAt: at,
        },
      },
    );
    const stale = await apply(`auth.user-${user}`, { type: 'UserErased', data: { userId: user, erasedAt: at } });
    expect(stale).toEqual([authCacheKeys.access(namespace, user)]);
    expect(
      (await pool.query(`SELECT email_hash, email_ciphertext, name_ciphertext, erased_at FROM auth.users WHERE id = $1`, [user])).rows,
    ).toEqual([{ email_hash: null, email_ciphertext: null, name_ciphertext: null, erased_at: new Date(at) }]);
    const invitations = await pool.query(`SELECT id, email_hash FROM auth.invitations WHERE organization_id = $1 ORDER BY id`, [otherOrg]);
    expect(invitations.rows).toEqual(
      [
        { id: settled, email_hash: null },
        { id: pending, email_hash: 'hash-erased' },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
  });

  it('closes an organization: no members, no pending invitations, its keys no longer found', async () => {
    const [closed, alone, proj, apiKey, invitation] = [uuidv7(), uuidv7(), uuidv7(), uuidv7(), uuidv7()];
    await apply(
      `auth.organization-${closed}`,
      { type: 'OrganizationCreated', data: { organizationId: closed, name: 'Solo', createdBy: alone, createdAt: at } },
      { type: 'MemberAdded', data: { organizationId: closed, userId: alone, role: 'owner', addedBy: alone, addedAt: at } },
      {
        type: 'MemberInvited',
        data: {
          organizationId: closed,
          invitationId: invitation,
          emailHash: 'h-x',
          email: 'c',
          role: 'member',
          invitedBy: alone,
          invitedAt: at,
        },
      },
    );
    await apply(`auth.project-${proj}`, {
      type: 'ProjectCreated',
      data: { projectId: proj, organizationId: closed, name: 'P', description: null, createdBy: alone, createdAt: at },
    });
    await apply(`auth.api-key-${apiKey}`, {
      type: 'ApiKeyCreated',
      data: {
        apiKeyId: apiKey,
        organizationId: closed,
        projectId: proj,
        name: 'k',
        prefix: 'llm_test_solo',
        hash: 'h',
        scopes: ['read'],
        expiresAt: null,
        createdBy: alone,
        createdAt: at,
      },
    });
    const stale = await apply(`auth.organization-${closed}`, {
      type: 'OrganizationClosed',
      data: { organizationId: closed, reason: 'owner_erased', closedBy: alone, closedAt: at },
    });
    expect(stale).toEqual([authCacheKeys.access(namespace, alone), authCacheKeys.apiKeyPrefix(namespace, 'llm_test_solo')]);
    expect((await pool.query(`SELECT 1 FROM auth.memberships WHERE organization_id = $1`, [closed])).rowCount).toBe(0);
    expect((await pool.query(`SELECT status, email_ciphertext FROM auth.invitations WHERE id = $1`, [invitation])).rows).toEqual([
      { status: 'revoked', email_ciphertext: null },
    ]);
    expect((await pool.query(`SELECT closed_at FROM auth.organizations WHERE id = $1`, [closed])).rows).toEqual([
      { closed_at: new Date(at) },
    ]);
  });
});
