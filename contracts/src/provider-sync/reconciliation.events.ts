import { streamName } from '../envelope';
import type { MoneyAmount } from '../ingestion/usage-event';
import type { ReconciliationTolerance } from './reconciliation.messages';

/** Which way a day's figures disagree: billed above recorded (callers that bypass instrumentation), or below. */
export const RECONCILIATION_DIRECTIONS = ['unrecorded', 'overrecorded'] as const;
export type ReconciliationDirection = (typeof RECONCILIATION_DIRECTIONS)[number];

/** One provider's complete UTC day whose billed and recorded spend disagree beyond the tolerance. */
export interface ReconciliationDiscrepancy {
  provider: string;
  /** The UTC day, `YYYY-MM-DD`. */
  day: string;
  direction: ReconciliationDirection;
  recorded: MoneyAmount;
  billed: MoneyAmount;
  /** |billed − recorded|, positive. */
  difference: MoneyAmount;
}

/**
 * Provider-sync's reconciliation of one organization: after each sync it compares, per provider and complete UTC
 * day, what the provider billed with what ingestion recorded, and appends a discrepancy when a day is outside the
 * organization's tolerance and its figures differ from the last ones it reported for that day (a re-sync with the
 * same figures appends nothing). The alerts service decides on its own threshold whether that is worth an alert.
 */
export type ReconciliationEvent = {
  type: 'ReconciliationDiscrepancyDetected';
  data: ReconciliationDiscrepancy & { organizationId: string; detectedAt: string };
};

/** The organization's reconciliation settings as they are after the change (the stream starts from the defaults). */
export type ReconciliationSettingsEvent = {
  type: 'ReconciliationSettingsUpdated';
  data: { organizationId: string; tolerance: ReconciliationTolerance; updatedBy: string; updatedAt: string };
};

export const reconciliationStreams = {
  organization: (organizationId: string) => streamName('provider-sync', 'reconciliation', organizationId),
  settings: (organizationId: string) => streamName('provider-sync', 'reconciliation-settings', organizationId),
};
