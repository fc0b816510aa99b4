import { USAGE_RETENTION_DEFAULTS, type UsageRetentionData } from '@llmlab/contracts';
import { IngestionError } from '../ingestion.errors';
import { usageRetentionDecider, type UsageRetentionCommand } from './usage-retention.decider';

const org = '0195a0a0-0000-7000-8000-000000000001';
const change = (usageRetentionDays: unknown): UsageRetentionCommand => ({
  type: 'ChangeUsageRetention',
  organizationId: org,
  at: new Date('2026-12-04T10:00:00Z'),
  actor: 'user:u1',
  settings: { usageRetentionDays } as UsageRetentionData,
});

describe('usageRetentionDecider', () => {
  it('starts with usage detail kept forever (null)', () => {
    expect(usageRetentionDecider.initialState()).toEqual({ usageRetentionDays: null });
  });

  it('records who set the retention, and folds to it', () => {
    const events = usageRetentionDecider.decide(change(45), USAGE_RETENTION_DEFAULTS);
    expect(events).toEqual([
      {
        type: 'UsageRetentionChanged',
        data: { organizationId: org, usageRetentionDays: 45, changedAt: '2026-12-04T10:00:00.000Z', changedBy: 'user:u1' },
      },
    ]);
    expect(events.reduce(usageRetentionDecider.evolve, USAGE_RETENTION_DEFAULTS)).toEqual({ usageRetentionDays: 45 });
  });

  it('appends nothing when nothing changes', () => {
    expect(usageRetentionDecider.decide(change(null), USAGE_RETENTION_DEFAULTS)).toEqual([]);
    expect(usageRetentionDecider.decide(change(45), { usageRetentionDays: 45 })).toEqual([]);
  });

  it.each([30, 3650])('accepts %p days, the bounds', (days) => {
    expect(usageRetentionDecider.decide(change(days), USAGE_RETENTION_DEFAULTS)).toHaveLength(1);
  });

  it('accepts null again: back to forever, recorded', () => {
    const [event] = usageRetentionDecider.decide(change(null), { usageRetentionDays: 45 });
    expect(event.data).toMatchObject({ usageRetentionDays: null, changedBy: 'user:u1' });
    expect(usageRetentionDecider.evolve({ usageRetentionDays: 45 }, event)).toEqual({ usageRetentionDays: null });
  });

  it.each([29, 3651, 1.5, 'x', undefined, '45'])('refuses %p days, naming the field', (days) => {
    let thrown: unknown;
    try {
      usageRetentionDecider.decide(change(days), USAGE_RETENTION_DEFAULTS);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(IngestionError);
    expect((thrown as IngestionError).message).toContain('/usageRetentionDays');
    expect((thrown as IngestionError).code).toBe('VALIDATION_FAILED');
    expect((thrown as IngestionError).errors).toEqual([{ field: '/usageRetentionDays', message: expect.any(String) }]);
  });
});
