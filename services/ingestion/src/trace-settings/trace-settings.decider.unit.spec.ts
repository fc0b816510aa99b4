import { TRACE_SETTINGS_DEFAULTS } from '@llmlab/contracts';
import { IngestionError } from '../ingestion.errors';
import { traceSettingsDecider, type TraceSettingsCommand } from './trace-settings.decider';

const org = '0195a0a0-0000-7000-8000-000000000001';
const change = (captureContent: boolean, contentRetentionDays: number): TraceSettingsCommand => ({
  type: 'ChangeTraceSettings',
  organizationId: org,
  at: new Date('2026-12-04T10:00:00Z'),
  actor: 'user:u1',
  settings: { captureContent, contentRetentionDays },
});

describe('traceSettingsDecider', () => {
  it('starts off, 30 days', () => {
    expect(traceSettingsDecider.initialState()).toEqual({ captureContent: false, contentRetentionDays: 30 });
  });

  it('records who turned capture on, and folds to the new settings', () => {
    const events = traceSettingsDecider.decide(change(true, 7), TRACE_SETTINGS_DEFAULTS);
    expect(events).toEqual([
      {
        type: 'TraceSettingsChanged',
        data: {
          organizationId: org,
          captureContent: true,
          contentRetentionDays: 7,
          changedAt: '2026-12-04T10:00:00.000Z',
          changedBy: 'user:u1',
        },
      },
    ]);
    expect(events.reduce(traceSettingsDecider.evolve, TRACE_SETTINGS_DEFAULTS)).toEqual({ captureContent: true, contentRetentionDays: 7 });
  });

  it('appends nothing when nothing changes', () => {
    expect(traceSettingsDecider.decide(change(false, 30), TRACE_SETTINGS_DEFAULTS)).toEqual([]);
  });

  it.each([0, 91, 1.5])('refuses %p retention days, naming the field', (days) => {
    expect(() => traceSettingsDecider.decide(change(true, days), TRACE_SETTINGS_DEFAULTS)).toThrow(IngestionError);
    try {
      traceSettingsDecider.decide(change(true, days), TRACE_SETTINGS_DEFAULTS);
    } catch (err) {
      expect((err as IngestionError).message).toContain('/contentRetentionDays');
    }
  });
});
