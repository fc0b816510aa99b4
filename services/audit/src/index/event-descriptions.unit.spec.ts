import { describeEvent, DESCRIBERS } from './event-descriptions';

describe('audit index descriptions', () => {
  it('describes an update with the fields it changed, and a role change with both roles', () => {
    expect(describeEvent('OrganizationUpdated', { organizationId: 'o', name: 'Acme', updatedBy: 'u', updatedAt: 't' })).toEqual({
      resource: { type: 'organization', id: 'o' },
      summary: 'The organization was updated',
      changes: [{ field: 'name', to: 'Acme' }],
    });
    expect(
      describeEvent('MemberRoleChanged', {
        organizationId: 'o',
        userId: 'u1',
        role: 'admin',
        previousRole: 'member',
        changedBy: 'u',
        changedAt: 't',
      }),
    ).toEqual({
      resource: { type: 'member', id: 'u1' },
      summary: "A member's role changed from member to admin",
      changes: [{ field: 'role', from: 'member', to: 'admin' }],
    });
  });

  it('says how long usage detail is kept, forever included', () => {
    const changedBy = 'user:u1';
    expect(describeEvent('UsageRetentionChanged', { organizationId: 'o', usageRetentionDays: 45, changedAt: 't', changedBy })).toEqual({
      resource: { type: 'organization', id: 'o' },
      summary: 'Usage detail is now kept 45 days',
      changes: [{ field: 'usageRetentionDays', to: 45 }],
    });
    expect(describeEvent('UsageRetentionChanged', { organizationId: 'o', usageRetentionDays: null, changedAt: 't', changedBy })).toEqual({
      resource: { type: 'organization', id: 'o' },
      summary: 'Usage detail is now kept forever',
      changes: [{ field: 'usageRetentionDays', to: null }],
    });
  });

  it('never repeats what an event keeps sealed or secret', () => {
    const sealed = { alg: 'A256GCM', kid: 'k', iv: 'iv-bytes', ct: 'ciphertext-bytes', tag: 'tag-bytes' };
    const registered = describeEvent('UserRegistered', {
      userId: 'u1',
      emailHash: 'hash-of-email',
      email: sealed,
      name: sealed,
      registeredAt: 't',
    });
    const key = describeEvent('ApiKeyCreated', {
      apiKeyId: 'k1',
      organizationId: 'o',
      projectId: 'p',
      name: 'ci',
      prefix: 'llm_live_ab',
      hash: 'sha256-of-the-key',
      scopes: ['ingest'],
      expiresAt: null,
      createdBy: 'u',
      createdAt: 't',
    });
    const text = JSON.stringify([registered, key]);
    for (const secret of ['ciphertext-bytes', 'hash-of-email', 'sha256-of-the-key']) expect(text).not.toContain(secret);
    expect(key.summary).toBe('API key “ci” (llm_live_ab…) was created with scopes ingest');
  });

  it('indexes an event of a type it does not know, or an older shape, in plain words', () => {
    expect(describeEvent('SomethingNewHappened', {})).toEqual({ resource: null, summary: 'SomethingNewHappened recorded', changes: null });
    expect(describeEvent('ApiKeyCreated', {})).toEqual({ resource: null, summary: 'ApiKeyCreated recorded', changes: null });
  });

  it('has a describer for every event type of every context', () => {
    // The table is typed over contracts' PlatformEvent: a missing type does not compile. This pins a few per context.
    for (const type of [
      'UserRegistered',
      'UsageRecorded',
      'BudgetCreated',
      'ProviderSyncRunCompleted',
      'RecommendationAccepted',
      'AccessDenied',
    ]) {
      expect(typeof DESCRIBERS[type as keyof typeof DESCRIBERS]).toBe('function');
    }
  });
});
