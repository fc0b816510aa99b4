import { reconciliationSubjects as s } from '@llmlab/contracts';
import { ServiceHarness } from '@llmlab/testing';
import { v7 as uuidv7 } from 'uuid';
import { ProviderSyncModule } from '../src/provider-sync.module';

class ProviderSyncHarness extends ServiceHarness {
  static async start(): Promise<ProviderSyncHarness> {
    return new ProviderSyncHarness(await ServiceHarness.launch({ name: 'provider-sync', module: ProviderSyncModule }));
  }
}

// The organization's reconciliation tolerance through the service's subjects, as the gateway sends them.
describe('reconciliation settings', () => {
  let h: ProviderSyncHarness;
  beforeAll(async () => {
    h = await ProviderSyncHarness.start();
  });
  afterAll(() => h?.stop());

  const context = (organizationId: string) => ({ organizationId, actor: { type: 'user' as const, id: 'user-1' } });

  it('starts from the defaults, changes a field at a time at the revision read, and stays in its organization', async () => {
    const org = uuidv7();
    const other = uuidv7();
    expect(await h.request(s.getSettings, {}, context(org))).toEqual({
      organizationId: org,
      tolerance: { percent: '1', amount: '0.01' },
      revision: -1,
      updatedAt: null,
    });
    const updated = await h.request(s.updateSettings, { tolerance: { amount: '0.5' }, expectedRevision: -1 }, context(org));
    expect(updated).toMatchObject({ tolerance: { percent: '1', amount: '0.5' }, revision: 0 });
    const stale = await h.reply(s.updateSettings, { tolerance: { percent: '3' }, expectedRevision: -1 }, context(org));
    expect(stale).toMatchObject({ ok: false, error: { code: 'CONCURRENCY_CONFLICT' } });
    expect((await h.request(s.getSettings, {}, context(other))).tolerance).toEqual({ percent: '1', amount: '0.01' });
    const [event] = await h.events<{ organizationId: string; updatedBy: string }>('ReconciliationSettingsUpdated');
    expect(event.streamId).toBe(`provider-sync.reconciliation-settings-${org}`);
    expect(event.data).toMatchObject({ organizationId: org, updatedBy: 'user:user-1' });
  });

  it('refuses a tolerance out of range, naming the field', async () => {
    const reply = await h.reply(s.updateSettings, { tolerance: { percent: '150' } }, context(uuidv7()));
    expect(reply).toMatchObject({
      ok: false,
      error: { code: 'RECONCILIATION_SETTINGS_INVALID', errors: [{ field: '/tolerance/percent' }] },
    });
  });
});
