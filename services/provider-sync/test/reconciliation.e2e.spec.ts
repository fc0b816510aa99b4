import {
  createSession,
  expectProblem,
  joinOrganization,
  signUp,
  startPlatformSession,
  TestPlatform,
  type PlatformSession,
  type TestSession,
} from '@llmlab/testing';

jest.setTimeout(180_000);

// The reconciliation routes through the gateway on the whole platform: who may read and change what, another
// tenant's organization, and bad input.
describe('reconciliation through the gateway', () => {
  let session: PlatformSession;
  let platform: TestPlatform;
  let a: TestSession;
  let b: TestSession;
  let orgPath: string;

  beforeAll(async () => {
    session = await startPlatformSession();
    platform = session.platform;
    await platform.waitForReadiness(200, 60_000);
    a = await createSession(platform.gatewayUrl, { organizationName: 'Acme', projectName: 'checkout-bot' });
    b = await createSession(platform.gatewayUrl, { organizationName: 'Other tenant' });
    orgPath = `/v1/organizations/${a.organizationId}`;
  }, 150_000);

  afterAll(() => session?.stop(), 60_000);

  it('lets viewers read the tolerance and admins change it at the revision read; members, keys and other tenants cannot', async () => {
    const member = async (role: 'viewer' | 'member' | 'admin') => {
      const user = await signUp(platform.gatewayUrl);
      await joinOrganization(platform.mailbox, a.agent, a.organizationId, user, role);
      return user.agent;
    };
    const [viewer, memberAgent, admin] = [await member('viewer'), await member('member'), await member('admin')];

    const read = await viewer.get(`${orgPath}/reconciliation-settings`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      organizationId: a.organizationId,
      tolerance: { percent: '1', amount: '0.01' },
      revision: -1,
      updatedAt: null,
    });
    expect(read.headers.get('etag')).toBe('"-1"');

    expectProblem(await viewer.patch(`${orgPath}/reconciliation-settings`, { tolerance: { percent: '2' } }), 403, 'FORBIDDEN');
    expectProblem(await memberAgent.patch(`${orgPath}/reconciliation-settings`, { tolerance: { percent: '2' } }), 403, 'FORBIDDEN');
    const changed = await admin.patch(`${orgPath}/reconciliation-settings`, { tolerance: { percent: '2' } }, { 'if-match': '"-1"' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ tolerance: { percent: '2', amount: '0.01' }, revision: 0 });
    expectProblem(
      await a.agent.patch(`${orgPath}/reconciliation-settings`, { tolerance: { amount: '1' } }, { 'if-match': '"-1"' }),
      409,
      'CONCURRENCY_CONFLICT',
    );
    expectProblem(
      await a.agent.patch(`${orgPath}/reconciliation-settings`, { tolerance: { percent: 'lots' } }),
      400,
      'VALIDATION_FAILED',
      '/tolerance/percent',
    );
    expectProblem(
      await a.agent.patch(`${orgPath}/reconciliation-settings`, { tolerance: { percent: '101' } }),
      400,
      'RECONCILIATION_SETTINGS_INVALID',
      '/tolerance/percent',
    );

    expectProblem(await a.keyAgent.get(`${orgPath}/reconciliation-settings`), 403, 'FORBIDDEN');
    expectProblem(await a.keyAgent.get(`${orgPath}/reconciliation`), 403, 'FORBIDDEN');
    for (const path of ['reconciliation-settings', 'reconciliation', 'reconciliation/tokens']) {
      expect((await b.agent.get(`${orgPath}/${path}`)).status).toBe(404);
    }
    expect((await b.agent.patch(`${orgPath}/reconciliation-settings`, { tolerance: { percent: '5' } })).status).toBe(404);
  });

  it('refuses a bad grouping, provider or range naming the field', async () => {
    expectProblem(await a.agent.get(`${orgPath}/reconciliation?groupBy=user`), 400, 'VALIDATION_FAILED', '/groupBy');
    expectProblem(await a.agent.get(`${orgPath}/reconciliation?provider=Open%20AI`), 400, 'VALIDATION_FAILED', '/provider');
    expectProblem(
      await a.agent.get(`${orgPath}/reconciliation?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z`),
      400,
      'VALIDATION_FAILED',
      '/to',
    );
  });
});
