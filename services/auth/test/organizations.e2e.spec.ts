import { randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import {
  Agent,
  createSession,
  joinOrganization,
  signUp,
  startPlatformSession,
  TestPlatform,
  type PlatformSession,
  type SignedUpUser,
} from '@llmlab/testing';

jest.setTimeout(180_000);

type Role = 'owner' | 'admin' | 'member' | 'viewer';
const ROLES: Role[] = ['owner', 'admin', 'member', 'viewer'];
const newEmail = () => `invitee-${randomBytes(4).toString('hex')}@example.com`;

// Organizations, members and projects through the gateway: the role matrix of docs/security.md, the owner
// rules, invitations, archiving, mass assignment, If-Match, and per-organization rate limits (set by the operator).
describe('organizations, members and projects', () => {
  let session: PlatformSession;
  let platform: TestPlatform;
  let owner: SignedUpUser;
  const users = {} as Record<Role, SignedUpUser>;
  let orgId: string;
  let projectId: string;
  let pool: Pool;
  let operator: Agent;
  const operatorToken = randomBytes(32).toString('base64url');

  async function addMember(as: Agent, email: string, role: Role) {
    return as.post(`/v1/organizations/${orgId}/members`, { email, role });
  }
  /** Invited by the owner, accepted with the mailed link: the only way in. */
  async function join(user: SignedUpUser, role: Role, organizationId = orgId, inviter = owner.agent) {
    await joinOrganization(platform.mailbox, inviter, organizationId, user, role);
  }

  beforeAll(async () => {
    session = await startPlatformSession({
      services: ['gateway', 'auth'],
      env: { MAX_ORGANIZATIONS_PER_USER: '3', OPERATOR_API_TOKEN: operatorToken },
    });
    platform = session.platform;
    pool = session.pool;
    operator = new Agent(platform.gatewayUrl, { authorization: `Bearer ${operatorToken}` });
    owner = await signUp(platform.gatewayUrl, { organizationName: 'Matrix Inc' });
    orgId = owner.organizationId;
    users.owner = owner;
    for (const role of ['admin', 'member', 'viewer'] as const) {
      users[role] = await signUp(platform.gatewayUrl);
      await join(users[role], role);
    }
    projectId = (await owner.agent.post(`/v1/organizations/${orgId}/projects`, { name: 'Shared' })).body.id;
  });
  afterAll(() => session?.stop());

  describe('members', () => {
    it('lists members with their emails and names, decrypted', async () => {
      const res = await users.viewer.agent.get(`/v1/organizations/${orgId}/members`);
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual(
        ROLES.map((role) => ({
          userId: users[role].id,
          email: users[role].email,
          name: users[role].name,
          role,
          joinedAt: expect.any(String),
        })),
      );
    });

    it('records a pending invitation that becomes a membership only with its mailed link', async () => {
      const email = newEmail();
      const invited = await addMember(owner.agent, email, 'member');
      expect(invited.status).toBe(201);
      expect(invited.body).toMatchObject({ status: 'invited', invitation: { email, role: 'member', invitedBy: owner.id } });
      expect((await addMember(owner.agent, email.toUpperCase(), 'viewer')).body).toMatchObject({ code: 'INVITATION_ALREADY_PENDING' });
      const listed = await owner.agent.get(`/v1/organizations/${orgId}/members`);
      expect(listed.body.invitations).toEqual([expect.objectContaining({ invitationId: invited.body.invitation.invitationId, email })]);

      const newcomer = await signUp(platform.gatewayUrl, { email });
      expect((await newcomer.agent.get('/v1/me')).body.memberships).toHaveLength(1);
      const token = await platform.mailbox.linkToken(email, '/invitations/accept', /invited/);
      expect((await newcomer.agent.post('/v1/invitations/accept', { token })).status).toBe(200);
      const me = await newcomer.agent.get('/v1/me');
      expect(me.body.memberships).toEqual(
        expect.arrayContaining([{ organizationId: orgId, organizationName: 'Matrix Inc', role: 'member' }]),
      );
      const after = await owner.agent.get(`/v1/organizations/${orgId}/members`);
      expect(after.body.invitations).toEqual([]);
      expect(after.body.data).toContainEqual(expect.objectContaining({ userId: newcomer.id, email, role: 'member' }));
    });

    it('revokes a pending invitation by its id', async () => {
      const invited = await addMember(users.admin.agent, newEmail(), 'viewer');
      expect((await users.admin.agent.delete(`/v1/organizations/${orgId}/members/${invited.body.invitation.invitationId}`)).status).toBe(
        204,
      );
      expect((await owner.agent.get(`/v1/organizations/${orgId}/members`)).body.invitations).toEqual([]);
    });

    it('refuses adding someone who is already a member', async () => {
      const res = await addMember(owner.agent, users.member.email, 'viewer');
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('MEMBER_ALREADY_EXISTS');
    });

    it('keeps the last owner: no leaving, no demotion; ownership can be shared first', async () => {
      const solo = await signUp(platform.gatewayUrl);
      const soloOrg = solo.organizationId;
      const leave = await solo.agent.delete(`/v1/organizations/${soloOrg}/members/${solo.id}`);
      expect(leave.status).toBe(409);
      expect(leave.body.code).toBe('LAST_OWNER');
      const demote = await solo.agent.patch(`/v1/organizations/${soloOrg}/members/${solo.id}`, { role: 'admin' });
      expect(demote.status).toBe(409);
      expect(demote.body.code).toBe('LAST_OWNER');

      const heir = await signUp(platform.gatewayUrl);
      await join(heir, 'owner', soloOrg, solo.agent);
      expect((await solo.agent.delete(`/v1/organizations/${soloOrg}/members/${solo.id}`)).status).toBe(204);
      expect((await solo.agent.get(`/v1/organizations/${soloOrg}`)).status).toBe(404);
      expect((await heir.agent.get(`/v1/organizations/${soloOrg}`)).body.role).toBe('owner');
    });
  });

  describe('the role matrix (docs/security.md)', () => {
    type Outcome = 'allowed' | 'forbidden';
    const allowedFrom = (minimum: Role) => (role: Role) => (ROLES.indexOf(role) <= ROLES.indexOf(minimum) ? 'allowed' : 'forbidden');

    async function freshProject() {
      const res = await owner.agent.post(`/v1/organizations/${orgId}/projects`, { name: `p-${randomBytes(3).toString('hex')}` });
      return res.body.id as string;
    }
    async function freshKey(projectId: string) {
      return (await owner.agent.post(`/v1/projects/${projectId}/api-keys`, { name: 'k', scopes: ['read'] })).body.id as string;
    }
    async function freshViewer() {
      const u = await signUp(platform.gatewayUrl);
      await join(u, 'viewer');
      return u.id;
    }

    const actions: [string, (role: Role) => Outcome, (agent: Agent) => Promise<{ status: number }>, number][] = [
      ['read the organization', allowedFrom('viewer'), (a) => a.get(`/v1/organizations/${orgId}`), 200],
      ['rename the organization', allowedFrom('owner'), (a) => a.patch(`/v1/organizations/${orgId}`, { name: 'Matrix Inc' }), 200],
      ['list members', allowedFrom('viewer'), (a) => a.get(`/v1/organizations/${orgId}/members`), 200],
      [
        'invite a member',
        allowedFrom('admin'),
        (a) => a.post(`/v1/organizations/${orgId}/members`, { email: newEmail(), role: 'viewer' }),
        201,
      ],
      ['list invitations', allowedFrom('viewer'), (a) => a.get(`/v1/organizations/${orgId}/invitations`), 200],
      [
        'revoke an invitation',
        allowedFrom('admin'),
        async (a) => {
          const invited = await owner.agent.post(`/v1/organizations/${orgId}/invitations`, { email: newEmail(), role: 'viewer' });
          return a.delete(`/v1/organizations/${orgId}/invitations/${invited.body.invitationId}`);
        },
        204,
      ],
      [
        'change a member role',
        allowedFrom('admin'),
        async (a) => a.patch(`/v1/organizations/${orgId}/members/${await freshViewer()}`, { role: 'member' }),
        200,
      ],
      ['remove a member', allowedFrom('admin'), async (a) => a.delete(`/v1/organizations/${orgId}/members/${await freshViewer()}`), 204],
      ['list projects', allowedFrom('viewer'), (a) => a.get(`/v1/organizations/${orgId}/projects`), 200],
      ['create a project', allowedFrom('admin'), (a) => a.post(`/v1/organizations/${orgId}/projects`, { name: 'new' }), 201],
      ['read a project', allowedFrom('viewer'), async (a) => a.get(`/v1/projects/${await freshProject()}`), 200],
      ['rename a project', allowedFrom('admin'), async (a) => a.patch(`/v1/projects/${await freshProject()}`, { name: 'renamed' }), 200],
      ['archive a project', allowedFrom('admin'), async (a) => a.delete(`/v1/projects/${await freshProject()}`), 204],
      ['list API keys', allowedFrom('admin'), async (a) => a.get(`/v1/projects/${await freshProject()}/api-keys`), 200],
      [
        'create an API key',
        allowedFrom('admin'),
        async (a) => a.post(`/v1/projects/${await freshProject()}/api-keys`, { name: 'k', scopes: ['ingest'] }),
        201,
      ],
      [
        'revoke an API key',
        allowedFrom('admin'),
        async (a) => {
          const projectId = await freshProject();
          return a.delete(`/v1/projects/${projectId}/api-keys/${await freshKey(projectId)}`);
        },
        204,
      ],
    ];

    const table = actions.flatMap(([action, rule, call, success]) =>
      ROLES.map((role) => [action, role, rule(role), call, success] as const),
    );
    it.each(table)('%s as %s: %s', async (_action, role, outcome, call, success) => {
      const res = await call(users[role].agent);
      expect(res.status).toBe(outcome === 'allowed' ? success : 403);
    });

    it('lets only owners grant, take or remove the owner role', async () => {
      const target = await signUp(platform.gatewayUrl);
      expect((await addMember(users.admin.agent, target.email, 'owner')).status).toBe(403);
      await join(target, 'admin');
      expect((await users.admin.agent.patch(`/v1/organizations/${orgId}/members/${target.id}`, { role: 'owner' })).status).toBe(403);
      expect((await owner.agent.patch(`/v1/organizations/${orgId}/members/${target.id}`, { role: 'owner' })).status).toBe(200);
      expect((await users.admin.agent.delete(`/v1/organizations/${orgId}/members/${target.id}`)).status).toBe(403);
      expect((await users.admin.agent.patch(`/v1/organizations/${orgId}/members/${target.id}`, { role: 'viewer' })).status).toBe(403);
      expect((await owner.agent.delete(`/v1/organizations/${orgId}/members/${target.id}`)).status).toBe(204);
    });

    it('lets a viewer leave, and not remove anyone else', async () => {
      const leaver = await signUp(platform.gatewayUrl);
      await join(leaver, 'viewer');
      expect((await leaver.agent.delete(`/v1/organizations/${orgId}/members/${users.member.id}`)).status).toBe(403);
      expect((await leaver.agent.delete(`/v1/organizations/${orgId}/members/${leaver.id}`)).status).toBe(204);
      expect((await leaver.agent.get(`/v1/organizations/${orgId}`)).status).toBe(404);
    });
  });

  describe('organizations', () => {
    it('creates organizations owned by the caller and lists the caller’s own only', async () => {
      const created = await users.viewer.agent.post('/v1/organizations', { name: 'Side project' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'Side project', role: 'owner', revision: 1 });
      expect(created.headers.get('etag')).toBe('"1"');
      const mine = await users.viewer.agent.get('/v1/organizations');
      expect(mine.body.data.map((o: { id: string; role: string }) => [o.id, o.role])).toEqual(
        expect.arrayContaining([
          [orgId, 'viewer'],
          [created.body.id, 'owner'],
        ]),
      );
      expect(mine.body.data.map((o: { id: string }) => o.id)).not.toContain(users.admin.organizationId);
    });

    it('lets one user own no more than MAX_ORGANIZATIONS_PER_USER organizations, even asking in parallel', async () => {
      const user = await signUp(platform.gatewayUrl);
      // The signup's organization is the first of three; four more asked at once: two are created.
      const answers = await Promise.all([1, 2, 3, 4].map((i) => user.agent.post('/v1/organizations', { name: `Org ${i}` })));
      expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 409, 409]);
      expect(answers.find((a) => a.status === 409)!.body).toMatchObject({ code: 'ORGANIZATION_LIMIT_REACHED', status: 409 });
      const mine = await user.agent.get('/v1/organizations');
      expect(mine.body.data.filter((o: { role: string }) => o.role === 'owner')).toHaveLength(3);
      // The count is per user: another user still creates theirs.
      const other = await signUp(platform.gatewayUrl);
      expect((await other.agent.post('/v1/organizations', { name: 'Fine' })).status).toBe(201);
    });

    it('updates with If-Match only at the revision read, and answers its ETag', async () => {
      const read = await owner.agent.get(`/v1/organizations/${orgId}`);
      const etag = read.headers.get('etag')!;
      expect(etag).toBe(`"${read.body.revision}"`);
      const ok = await owner.agent.patch(`/v1/organizations/${orgId}`, { name: 'Matrix Ltd' }, { 'if-match': etag });
      expect(ok.status).toBe(200);
      expect(ok.body.name).toBe('Matrix Ltd');
      const stale = await owner.agent.patch(`/v1/organizations/${orgId}`, { name: 'Stale' }, { 'if-match': etag });
      expect(stale.status).toBe(409);
      expect(stale.body.code).toBe('CONCURRENCY_CONFLICT');
      expect((await owner.agent.patch(`/v1/organizations/${orgId}`, { name: 'x' }, { 'if-match': 'W/"1"' })).status).toBe(400);
      await owner.agent.patch(`/v1/organizations/${orgId}`, { name: 'Matrix Inc' });
    });
  });

  describe('projects', () => {
    it('archives on DELETE: still readable, refuses changes and new keys, and its keys stop working', async () => {
      const project = await owner.agent.post(`/v1/organizations/${orgId}/projects`, { name: 'Short-lived', description: 'to archive' });
      expect(project.status).toBe(201);
      const id = project.body.id;
      const key = await owner.agent.post(`/v1/projects/${id}/api-keys`, { name: 'k', scopes: ['read'] });
      const keyAgent = new Agent(platform.gatewayUrl, { 'x-api-key': key.body.key });
      expect((await keyAgent.get(`/v1/projects/${id}`)).status).toBe(200);

      expect((await owner.agent.delete(`/v1/projects/${id}`)).status).toBe(204);
      const read = await owner.agent.get(`/v1/projects/${id}`);
      expect(read.status).toBe(200);
      expect(read.body.archivedAt).toEqual(expect.any(String));
      expect((await owner.agent.patch(`/v1/projects/${id}`, { name: 'x' })).body.code).toBe('PROJECT_ARCHIVED');
      expect((await owner.agent.post(`/v1/projects/${id}/api-keys`, { name: 'k2', scopes: ['read'] })).body.code).toBe('PROJECT_ARCHIVED');
      expect((await owner.agent.delete(`/v1/projects/${id}`)).status).toBe(204);

      const listed = await owner.agent.get(`/v1/organizations/${orgId}/projects`);
      expect(listed.body.data.map((p: { id: string }) => p.id)).not.toContain(id);
      const all = await owner.agent.get(`/v1/organizations/${orgId}/projects?includeArchived=true`);
      expect(all.body.data.map((p: { id: string }) => p.id)).toContain(id);

      const deadline = Date.now() + 5_000;
      let status = 200;
      while (status !== 401 && Date.now() < deadline) {
        status = (await keyAgent.get(`/v1/projects/${id}`)).status;
        if (status !== 401) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(401);
    });

    it('updates name and description, with If-Match', async () => {
      const project = await owner.agent.post(`/v1/organizations/${orgId}/projects`, { name: 'Editable' });
      const updated = await owner.agent.patch(
        `/v1/projects/${project.body.id}`,
        { description: 'now described' },
        { 'if-match': `"${project.body.revision}"` },
      );
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ name: 'Editable', description: 'now described', revision: 1 });
      expect(updated.headers.get('etag')).toBe('"1"');
      const cleared = await owner.agent.patch(`/v1/projects/${project.body.id}`, { description: null });
      expect(cleared.body.description).toBeNull();
    });
  });

  describe('mass assignment', () => {
    type Row = [name: string, method: 'post' | 'patch', path: () => string, body: () => Record<string, unknown>, field: string];
    const body = (value: Record<string, unknown>) => () => value;
    it.each<Row>([
      [
        'signup with a role',
        'post',
        () => '/v1/auth/signup',
        body({ email: newEmail(), password: 'a long enough password', name: 'M', role: 'owner' }),
        '/role',
      ],
      [
        'an organization with an owner',
        'post',
        () => '/v1/organizations',
        body({ name: 'Mine', ownerId: '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f50' }),
        '/ownerId',
      ],
      [
        'a project in another organization',
        'post',
        () => `/v1/organizations/${orgId}/projects`,
        () => ({ name: 'P', organizationId: users.admin.organizationId }),
        '/organizationId',
      ],
      [
        'a project moved by PATCH',
        'patch',
        () => `/v1/projects/${projectId}`,
        () => ({ organizationId: users.admin.organizationId }),
        '/organizationId',
      ],
      [
        'a member with an organization',
        'post',
        () => `/v1/organizations/${orgId}/members`,
        () => ({ email: newEmail(), role: 'viewer', organizationId: orgId }),
        '/organizationId',
      ],
      [
        'a member role change with an owner id',
        'patch',
        () => `/v1/organizations/${orgId}/members/${users.viewer.id}`,
        () => ({ role: 'viewer', ownerId: owner.id }),
        '/ownerId',
      ],
      ['a role through the organization', 'patch', () => `/v1/organizations/${orgId}`, body({ name: 'X', role: 'owner' }), '/role'],
    ])('refuses %s (400 naming the field)', async (_name, method, path, makeBody, field) => {
      const res = await (method === 'post' ? owner.agent.post(path(), makeBody()) : owner.agent.patch(path(), makeBody()));
      expect(res.status).toBe(400);
      expect(res.body.errors).toContainEqual({ field, message: 'should not exist' });
    });

    it('refuses keys, projects or organizations in API-key bodies', async () => {
      const project = await owner.agent.post(`/v1/organizations/${orgId}/projects`, { name: 'Keys' });
      const res = await owner.agent.post(`/v1/projects/${project.body.id}/api-keys`, {
        name: 'k',
        scopes: ['read'],
        projectId: project.body.id,
        organizationId: orgId,
      });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual(
        expect.arrayContaining([
          { field: '/projectId', message: 'should not exist' },
          { field: '/organizationId', message: 'should not exist' },
        ]),
      );
    });
  });

  describe('rate limits', () => {
    const limitsOf = (organizationId: string) => `/v1/operator/organizations/${organizationId}/rate-limits`;

    it('counts per user and organization, with the limit the operator set, and answers 429 with headers', async () => {
      const tenant = await signUp(platform.gatewayUrl);
      const org = tenant.organizationId;
      const first = await tenant.agent.get(`/v1/organizations/${org}`);
      expect(first.headers.get('ratelimit-limit')).toBe('1000');
      expect(Number(first.headers.get('ratelimit-remaining'))).toBeLessThan(1000);
      expect(Number(first.headers.get('ratelimit-reset'))).toBeGreaterThan(0);

      const set = await operator.request('PUT', limitsOf(org), { managementPerHour: 5, ingestPerHour: null });
      expect(set.status).toBe(200);
      expect(set.body).toEqual({ organizationId: org, managementPerHour: 5, ingestPerHour: null, revision: expect.any(Number) });
      expect(set.headers.get('etag')).toBe(`"${set.body.revision}"`);
      // The gateways see the new limit within the identity cache time (at most 5 s); every request counts meanwhile.
      const deadline = Date.now() + 5_000;
      let res = await tenant.agent.get(`/v1/organizations/${org}`);
      while (res.status === 200 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        res = await tenant.agent.get(`/v1/organizations/${org}`);
      }
      expect(res.status).toBe(429);
      expect(res.body).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
      expect(res.headers.get('ratelimit-limit')).toBe('5');
      expect(res.headers.get('ratelimit-remaining')).toBe('0');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(res.headers.get('retry-after')).toBe(res.headers.get('ratelimit-reset'));

      // Another organization's bucket, and the routes about the caller, are not affected.
      expect((await tenant.agent.get('/v1/me')).status).toBe(200);
      // The operator reads what it set; the change is in the audit log, by the operator.
      expect((await operator.get(limitsOf(org))).body).toEqual(set.body);
      const { rows } = await pool.query(
        `SELECT data, metadata->'actor' AS actor FROM event_store.events WHERE type = 'OrganizationRateLimitsChanged' AND data->>'organizationId' = $1`,
        [org],
      );
      expect(rows).toEqual([
        {
          data: expect.objectContaining({
            rateLimits: { managementPerHour: 5, ingestPerHour: null },
            previous: { managementPerHour: null, ingestPerHour: null },
            changedBy: 'operator',
          }),
          actor: { type: 'operator', id: 'operator' },
        },
      ]);
    });

    it('lets an owner read the limits but not set them: the PATCH refuses rateLimits and changes nothing', async () => {
      const before = await owner.agent.get(`/v1/organizations/${orgId}`);
      expect(before.body.rateLimits).toEqual({ managementPerHour: null, ingestPerHour: null });
      const res = await owner.agent.patch(`/v1/organizations/${orgId}`, {
        name: 'Matrix Inc',
        rateLimits: { managementPerHour: 1_000_000 },
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: '/rateLimits', message: 'should not exist' }] });
      const after = await owner.agent.get(`/v1/organizations/${orgId}`);
      expect(after.body).toEqual(before.body);
      expect((await operator.get(limitsOf(orgId))).body).toMatchObject({
        managementPerHour: null,
        ingestPerHour: null,
        revision: before.body.revision,
      });
    });

    it('refuses a limit outside 1 to the platform maximum, naming the field', async () => {
      const above = await operator.request('PUT', limitsOf(orgId), { managementPerHour: 10_000_000, ingestPerHour: null });
      expect(above.status).toBe(400);
      expect(above.body.errors).toEqual([{ field: '/managementPerHour', message: expect.stringContaining('1000000') }]);
      const zero = await operator.request('PUT', limitsOf(orgId), { managementPerHour: null, ingestPerHour: 0 });
      expect(zero.status).toBe(400);
      expect(zero.body.errors).toEqual([{ field: '/ingestPerHour', message: expect.any(String) }]);
      const missing = await operator.request('PUT', limitsOf(orgId), { managementPerHour: 5 });
      expect(missing.status).toBe(400);
      expect(missing.body.errors).toEqual(expect.arrayContaining([{ field: '/ingestPerHour', message: expect.any(String) }]));
    });

    it('answers an unknown organization with 404, and a stale If-Match with 409', async () => {
      for (const res of [
        await operator.get(limitsOf(randomUUID())),
        await operator.request('PUT', limitsOf(randomUUID()), { managementPerHour: 5, ingestPerHour: 5 }),
        await operator.get(limitsOf('not-a-uuid')),
      ]) {
        expect({ status: res.status, code: res.body.code }).toEqual({ status: 404, code: 'ORGANIZATION_NOT_FOUND' });
      }
      const { revision } = (await operator.get(limitsOf(orgId))).body;
      const stale = await operator.request(
        'PUT',
        limitsOf(orgId),
        { managementPerHour: 50, ingestPerHour: null },
        { 'if-match': `"${revision - 1}"` },
      );
      expect(stale.status).toBe(409);
    });

    it('refuses every tenant credential and a token one character off with 401', async () => {
      const last = operatorToken.at(-1) === 'A' ? 'B' : 'A';
      const offByOne = new Agent(platform.gatewayUrl, { authorization: `Bearer ${operatorToken.slice(0, -1)}${last}` });
      const session = await createSession(platform.gatewayUrl);
      for (const agent of [offByOne, owner.agent, session.agent, session.keyAgent, session.anonymous]) {
        for (const res of [
          await agent.get(limitsOf(orgId)),
          await agent.request('PUT', limitsOf(session.organizationId), { managementPerHour: 1_000_000, ingestPerHour: 1_000_000 }),
        ]) {
          expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
        }
      }
      expect((await operator.get(limitsOf(session.organizationId))).body).toMatchObject({ managementPerHour: null, ingestPerHour: null });
    });
  });
});
