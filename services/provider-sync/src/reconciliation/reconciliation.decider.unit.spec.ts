import type { ReconciliationEvent } from '@llmlab/contracts';
import { deciderSpec } from '@llmlab/testing';
import { discrepancyDecider, type DayDiscrepancy } from './discrepancy.decider';
import { reconciliationSettingsDecider } from './reconciliation-settings.decider';

const ORG = '0192f3a1-0000-7000-8000-000000000001';
const at = '2026-03-02T06:00:00.000Z';
const usd = (amount: string) => ({ amount, currency: 'USD' as const });

describe('discrepancy reporting', () => {
  const spec = deciderSpec(discrepancyDecider);
  const day2: DayDiscrepancy = {
    provider: 'openai',
    day: '2026-03-01',
    direction: 'unrecorded',
    recorded: usd('41.25'),
    billed: usd('58.9'),
  };
  const detected = (d: DayDiscrepancy, difference: string): ReconciliationEvent => ({
    type: 'ReconciliationDiscrepancyDetected',
    data: { organizationId: ORG, ...d, difference: usd(difference), detectedAt: at },
  });
  const report = (...discrepancies: DayDiscrepancy[]) => ({
    type: 'ReportDiscrepancies' as const,
    data: { organizationId: ORG, discrepancies, at },
  });

  it('reports a day outside the tolerance once, and again only when its figures change', () => {
    spec
      .given([])
      .when(report(day2))
      .then([detected(day2, '17.650000000000')]);
    spec
      .given([detected(day2, '17.65')])
      .when(report(day2))
      .thenNothing();
    // Same amounts written differently are the same figures.
    spec
      .given([detected(day2, '17.65')])
      .when(report({ ...day2, recorded: usd('41.250000000000'), billed: usd('58.900') }))
      .thenNothing();
    const later = { ...day2, billed: usd('60') };
    spec
      .given([detected(day2, '17.65')])
      .when(report(later))
      .then([detected(later, '18.750000000000')]);
    const otherProvider = { ...day2, provider: 'anthropic' };
    spec
      .given([detected(day2, '17.65')])
      .when(report(day2, otherProvider, otherProvider))
      .then([detected(otherProvider, '17.650000000000')]);
  });
});

describe('reconciliation settings', () => {
  const spec = deciderSpec(reconciliationSettingsDecider);
  const update = (tolerance: unknown) => ({
    type: 'UpdateReconciliationSettings' as const,
    data: { organizationId: ORG, actorId: 'user:1', at, tolerance },
  });

  it('changes the tolerance a field at a time, and nothing when nothing changes', () => {
    spec
      .given([])
      .when(update({ percent: '2.5' }))
      .then([
        {
          type: 'ReconciliationSettingsUpdated',
          data: { organizationId: ORG, tolerance: { percent: '2.5', amount: '0.01' }, updatedBy: 'user:1', updatedAt: at },
        },
      ]);
    spec
      .given([])
      .when(update({ percent: '1', amount: '0.01' }))
      .thenNothing();
  });

  it('refuses what is not a tolerance, naming the field', () => {
    spec
      .given([])
      .when(update({ percent: '101', amount: '-1', other: '1' }))
      .thenThrows({
        code: 'RECONCILIATION_SETTINGS_INVALID',
        errors: [
          { field: '/tolerance/percent', message: 'must be a decimal string from 0 to 100' },
          { field: '/tolerance/amount', message: 'must be a decimal string from 0 to 1000000' },
          { field: '/tolerance/other', message: 'is not a setting of the tolerance' },
        ],
      });
    spec
      .given([])
      .when(update(5))
      .thenThrows({ code: 'RECONCILIATION_SETTINGS_INVALID', errors: [{ field: '/tolerance' }] });
  });
});
