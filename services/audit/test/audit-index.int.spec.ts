import { randomUUID } from 'node:crypto';
import { auditIndexSubjects as s } from '@llmlab/contracts';
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
});
