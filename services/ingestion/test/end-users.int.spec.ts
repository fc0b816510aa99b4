import { erasedEndUser, ingestionStreams, type RequestContext } from '@llmlab/contracts';
import type { EventStore } from '@llmlab/event-store';
import { EVENT_STORE } from '@llmlab/service-kit';
import { ledgerUsageRecords, usageEvent, usageRecorded } from '@llmlab/testing';
import { v7 as uuidv7 } from 'uuid';
import { EndUserErasure } from '../src/end-users/end-user.erasure';
import type { SubjectKeyStore } from '@llmlab/crypto';
import { EndUserPseudonyms, pseudonymKeySubject, pseudonymOf } from '../src/end-users/end-user-pseudonyms';
import { CONTENT_KEYS } from '../src/traces/span-content.store';
import { UsageLedgerKeys } from '../src/usage/usage-ledger-keys';
import { IngestionHarness } from './ingestion.harness';
import { newTenant, usageBatch, type Tenant } from './usage.fixtures';

// End users on real PostgreSQL and JetStream: the ledger holds pseudonyms keyed per organization, the read models
// the ids; after an erasure, the records and rollups show the marker with their sums unchanged, and a ledger event
// the projection meets later (a late part, or a rebuild) shows the marker too, never the id again.
describe('end users', () => {
  let h: IngestionHarness;

  beforeAll(async () => {
    h = await IngestionHarness.start();
  }, 60_000);
  afterAll(() => h?.stop());

  const context = (t: Tenant): RequestContext => ({
    correlationId: uuidv7(),
    organizationId: t.organizationId,
    projectId: t.projectId,
    actor: { type: 'user', id: uuidv7() },
  });
  const ledger = (t: Tenant) => ledgerUsageRecords(h.sql, t.projectId, h.get(UsageLedgerKeys));
  const users = (t: Tenant) =>
    h.rows<{ user_id: string | null; n: string; cost: string }>(
      `SELECT user_id, count(*)::text AS n, sum(cost)::text AS cost FROM ingestion.usage_records WHERE project_id = $1
        GROUP BY user_id ORDER BY user_id NULLS FIRST`,
      [t.projectId],
    );
  const rollups = (t: Tenant) =>
    h.rows<{ user_id: string; requests: string; cost: string }>(
      `SELECT user_id, sum(requests)::text AS requests, sum(cost)::text AS cost FROM ingestion.usage_rollups_daily_users
        WHERE project_id = $1 GROUP BY user_id ORDER BY user_id`,
      [t.projectId],
    );

  it('keys pseudonyms per organization: the same id in two organizations is two pseudonyms', async () => {
    const pseudonyms = h.get(EndUserPseudonyms);
    const [a, b] = [newTenant(), newTenant()];
    const ofA = await pseudonyms.of(a.organizationId);
    const ofB = await pseudonyms.of(b.organizationId);
    expect(ofA('ada')).toBe((await pseudonyms.of(a.organizationId))('ada'));
    expect(ofA('ada')).not.toBe(ofB('ada'));
    expect(ofA('ada')).toMatch(/^eu_[0-9a-f]{32}$/);
  });

  it("never serves a cached pseudonym of a destroyed key: the organization's new key gives new pseudonyms", async () => {
    const pseudonyms = h.get(EndUserPseudonyms);
    const keys = h.get<SubjectKeyStore>(CONTENT_KEYS);
    const t = newTenant();
    const subject = pseudonymKeySubject(t.organizationId);
    const before = await pseudonyms.of(t.organizationId);
    const old = before('ada');
    expect(before('ada')).toBe(old);
    await keys.destroy(subject);
    const after = (await pseudonyms.of(t.organizationId))('ada');
    expect(after).not.toBe(old);
    expect(after).toBe(pseudonymOf((await keys.get(subject))!, 'ada'));
  });

  it('erases one end user: records and rollups re-keyed with their sums, the others untouched, a late event too', async () => {
    const t = newTenant();
    const ada = `ada-${uuidv7()}`;
    await h.publish(
      usageBatch(t, [usageEvent({ userId: ada }), usageEvent({ userId: ada }), usageEvent({ userId: 'bob-42' }), usageEvent()]),
    );
    await h.settled();
    const recorded = await ledger(t);
    expect(JSON.stringify(recorded)).not.toContain(ada);
    const adaPseudonym = recorded.find((r) => r.endUser !== undefined && r.endUser !== recorded[2].endUser)!.endUser!;
    const before = { users: await users(t), rollups: await rollups(t) };
    expect(before.users.map((u) => [u.user_id, u.n])).toEqual([
      [null, '1'],
      [ada, '2'],
      ['bob-42', '1'],
    ]);

    const result = await h.get(EndUserErasure).erase({ userId: ada }, context(t));
    const marker = erasedEndUser(adaPseudonym);
    expect(result).toEqual({ marker, records: 2, traces: 0, contents: 0 });
    const after = await users(t);
    expect(after).toEqual(
      expect.arrayContaining([
        { ...before.users.find((u) => u.user_id === ada)!, user_id: marker },
        before.users.find((u) => u.user_id === 'bob-42'),
        before.users.find((u) => u.user_id === null),
      ]),
    );
    expect(await rollups(t)).toEqual(expect.arrayContaining([{ ...before.rollups.find((r) => r.user_id === ada)!, user_id: marker }]));
    expect(JSON.stringify(await rollups(t))).not.toContain(ada);
    expect(await h.rows(`SELECT 1 FROM ingestion.end_users WHERE user_id = $1`, [ada])).toEqual([]);

    // A ledger event with the pseudonym that the projection meets after the erasure (a late part; a rebuild reads
    // every one of them so): the marker, never the id, and its cost summed into the marker's rollup of the day.
    const late = usageEvent();
    const [first] = await ledger(t);
    const lateRecord = { ...first, id: late.id, endUser: adaPseudonym };
    await h.get<EventStore>(EVENT_STORE).appendToStream(
      ingestionStreams.usage(t.projectId),
      [
        {
          type: 'UsageRecorded',
          data: usageRecorded(t, [lateRecord]),
          metadata: {
            actor: { type: 'api_key', id: t.apiKeyId },
            organizationId: t.organizationId,
            projectId: t.projectId,
            correlationId: 'late',
          },
        },
      ],
      { expectedRevision: 'any' },
    );
    await h.settled();
    expect((await users(t)).find((u) => u.user_id === marker)?.n).toBe('3');
    expect((await rollups(t)).find((r) => r.user_id === marker)?.requests).toBe('3');
    expect(JSON.stringify(await users(t))).not.toContain(ada);
  });

  it('is idempotent, and refuses an id it cannot name', async () => {
    const t = newTenant();
    const erasure = h.get(EndUserErasure);
    const first = await erasure.erase({ userId: 'never-seen' }, context(t));
    expect(first).toMatchObject({ records: 0, traces: 0, contents: 0 });
    expect(await erasure.erase({ userId: 'never-seen' }, context(t))).toEqual(first);
    await expect(erasure.erase({ userId: '' }, context(t))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: '/userId', message: expect.any(String) }],
    });
  });
});
