import { randomUUID } from 'node:crypto';
import { auditAccessSubjects, auditIndexSubjects as s } from '@llmlab/contracts';
import { AccessLogRecorder } from '../src/access/access-log.recorder';
import { AuditIndexProjection } from '../src/index/audit-index.projection';
import { AuditHarness } from './audit.harness';

const orgA = randomUUID();
const orgB = randomUUID();

describe('audit index', () => {
  let h: AuditHarness;

  beforeAll(async () => {
    h = await AuditHarness.start();
  });

  afterAll(async () => {
    await h?.stop();
  });

  it('indexes every event from EVENTS once, each in its own organization only', async () => {
    await h.appendEvents(orgA, 3);
    await h.appendEvents(orgB, 2);
    await h.until(async () => (await h.count('SELECT count(*) AS n FROM audit.entries')) === 5, 'five entries');

    const [event] = await h.runtime.eventStore.readAll({ maxCount: 1 });
    // A redelivery (the consumer's at-least-once) changes nothing.
    expect(await h.get(AuditIndexProjection).apply(event)).toBe(false);
    expect(await h.count('SELECT count(*) AS n FROM audit.entries')).toBe(5);

    const a = await h.request(s.list, {}, { organizationId: orgA, actor: { type: 'user', id: orgA } });
    expect(a.data.map((e) => e.type)).toEqual(['TestNoted', 'TestNoted', 'TestNoted']);
    expect(a.data.map((e) => e.position)).toEqual([...a.data.map((e) => e.position)].sort((x, y) => y - x));
    expect(a.data[0]).toMatchObject({ actor: { type: 'user', id: orgA }, correlationId: 'c-2', summary: 'TestNoted recorded' });
    const b = await h.request(s.list, { limit: 1 }, { organizationId: orgB, actor: { type: 'user', id: orgB } });
    expect(b.data).toHaveLength(1);
    expect(b.nextCursor).not.toBeNull();
    const rest = await h.request(s.list, { cursor: b.nextCursor! }, { organizationId: orgB, actor: { type: 'user', id: orgB } });
    expect(rest.data).toHaveLength(1);
    expect(rest.data[0].position).toBeLessThan(b.data[0].position);
  });

  it('lists an update from what the resource was created with (the event carries only the new values)', async () => {
    const budgetId = randomUUID();
    const metadata = { actor: { type: 'user' as const, id: orgA }, organizationId: orgA, correlationId: 'budget' };
    const base = { budgetId, organizationId: orgA };
    await h.runtime.eventStore.appendToStream(
      `alerts.budget-${budgetId}`,
      [
        {
          type: 'BudgetCreated',
          data: {
            ...base,
            name: 'Monthly',
            scope: { type: 'organization' },
            period: 'monthly',
            amount: { amount: '500', currency: 'USD' },
            thresholds: [50, 100],
            timeZone: 'UTC',
            createdBy: orgA,
            createdAt: 't',
          },
          metadata,
        },
        { type: 'BudgetUpdated', data: { ...base, amount: { amount: '750', currency: 'USD' }, updatedBy: orgA, updatedAt: 't' }, metadata },
      ],
      { expectedRevision: 'no_stream' },
    );
    const ctx = { organizationId: orgA, actor: { type: 'user' as const, id: orgA } };
    await h.until(
      async () => (await h.request(s.list, { resourceType: 'budget', resourceId: budgetId }, ctx)).data.length === 2,
      'both budget events indexed',
    );
    const [updated] = (await h.request(s.list, { type: 'BudgetUpdated', resourceId: budgetId }, ctx)).data;
    expect(updated.changes).toEqual([
      { field: 'amount', from: { amount: '500', currency: 'USD' }, to: { amount: '750', currency: 'USD' } },
    ]);
  });

  it('records a denial in the organization a project was created in, nothing for ids nobody created, and a burst once', async () => {
    const organizationId = randomUUID();
    const projectId = randomUUID();
    const owner = { actor: { type: 'user' as const, id: organizationId }, organizationId, correlationId: 'created' };
    await h.runtime.eventStore.appendToStream(
      `auth.organization-${organizationId}`,
      [
        {
          type: 'OrganizationCreated',
          data: { organizationId, name: 'Victim', createdBy: organizationId, createdAt: 't' },
          metadata: owner,
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    await h.runtime.eventStore.appendToStream(
      `auth.project-${projectId}`,
      [
        {
          type: 'ProjectCreated',
          data: { projectId, organizationId, name: 'p', description: null, createdBy: organizationId, createdAt: 't' },
          metadata: { ...owner, projectId },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    await h.until(
      async () => (await h.count(`SELECT count(*) AS n FROM audit.entries WHERE organization_id = $1`, [organizationId])) === 2,
      'the organization and its project indexed',
    );
    const intruder = { actor: { type: 'api_key' as const, id: randomUUID() }, correlationId: 'probe' };
    const denied = (resource: { type: string; id: string }, organization?: string) =>
      h.request(
        auditAccessSubjects.record,
        { kind: 'access_denied', resource },
        { ...intruder, ...(organization ? { organizationId: organization } : {}) },
      );

    expect(await denied({ type: 'project', id: projectId })).toEqual({ recorded: true });
    expect(await denied({ type: 'project', id: randomUUID() })).toEqual({ recorded: false });
    const nobody = randomUUID();
    expect(await denied({ type: 'organization', id: nobody }, nobody)).toEqual({ recorded: false });
    const events = await h.events<{ resource: object }>('AccessDenied');
    expect(events.map((e) => [e.streamId, e.data.resource])).toEqual([
      [`audit.access-${organizationId}`, { type: 'project', id: projectId }],
    ]);

    // A burst that stops: the rest of the minute is counted, then told by one event once the minute is over.
    const recorder = h.get(AccessLogRecorder);
    const otherProject = { type: 'project', id: randomUUID() };
    await h.runtime.eventStore.appendToStream(
      `auth.project-${otherProject.id}`,
      [
        {
          type: 'ProjectCreated',
          data: { projectId: otherProject.id, organizationId, name: 'q', description: null, createdBy: organizationId, createdAt: 't' },
          metadata: { ...owner, projectId: otherProject.id },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    await h.until(
      async () =>
        (await h.count(`SELECT count(*) AS n FROM audit.entries WHERE type = 'ProjectCreated' AND resource_id = $1`, [otherProject.id])) ===
        1,
      'the second project indexed',
    );
    expect(await denied({ type: 'project', id: projectId })).toEqual({ recorded: false });
    expect(await denied(otherProject)).toEqual({ recorded: false });
    expect(await recorder.flushHeld()).toBe(0);
    // The minute passes (its gate expires).
    await h.runtime.redis.del(`${h.prefix}:audit-access:${organizationId}:AccessDenied:api_key:${intruder.actor.id}`);
    expect(await recorder.flushHeld()).toBe(1);
    expect(await recorder.flushHeld()).toBe(0);
    const told = await h.events<{ resource: object; count: number }>('AccessDenied');
    expect(told.map((e) => [e.data.resource, e.data.count, e.metadata.correlationId])).toEqual([
      [{ type: 'project', id: projectId }, 1, 'probe'],
      [otherProject, 2, 'probe'],
    ]);
  });
});
