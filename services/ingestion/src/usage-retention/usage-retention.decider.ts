import {
  USAGE_RETENTION_DAYS,
  USAGE_RETENTION_DEFAULTS,
  type FieldError,
  type UsageRetentionChangedData,
  type UsageRetentionData,
} from '@llmlab/contracts';
import type { Decider } from '@llmlab/domain';
import { validationFailed } from '../ingestion.errors';

export type UsageRetentionCommand = {
  type: 'ChangeUsageRetention';
  organizationId: string;
  at: Date;
  /** `<actor type>:<actor id>` of the caller. */
  actor: string;
  settings: UsageRetentionData;
};

export type UsageRetentionEvent = { type: 'UsageRetentionChanged'; data: UsageRetentionChangedData };

/**
 * An organization's usage retention, on `ingestion.usage-retention-<organizationId>`. Setting what is already set
 * appends nothing: the stream records changes only, and is the audit of who shortened or lifted the retention.
 */
function decide(command: UsageRetentionCommand, state: UsageRetentionData): UsageRetentionEvent[] {
  const settings = validate(command.settings);
  if (settings.usageRetentionDays === state.usageRetentionDays) return [];
  return [
    {
      type: 'UsageRetentionChanged',
      data: { organizationId: command.organizationId, ...settings, changedAt: command.at.toISOString(), changedBy: command.actor },
    },
  ];
}

function evolve(_state: UsageRetentionData, event: UsageRetentionEvent): UsageRetentionData {
  return { usageRetentionDays: event.data.usageRetentionDays };
}

export const usageRetentionDecider: Decider<UsageRetentionCommand, UsageRetentionEvent, UsageRetentionData> = {
  decide,
  evolve,
  initialState: () => USAGE_RETENTION_DEFAULTS,
};

/** null (forever) or a whole number of days within the bounds; anything else, including a missing value, is refused. */
function validate(settings: UsageRetentionData): UsageRetentionData {
  const days: unknown = settings.usageRetentionDays;
  if (days === null) return { usageRetentionDays: null };
  if (typeof days !== 'number' || !Number.isInteger(days) || days < USAGE_RETENTION_DAYS.min || days > USAGE_RETENTION_DAYS.max) {
    const errors: FieldError[] = [
      {
        field: '/usageRetentionDays',
        message: `must be null (forever) or an integer from ${USAGE_RETENTION_DAYS.min} to ${USAGE_RETENTION_DAYS.max}`,
      },
    ];
    throw validationFailed(errors);
  }
  return { usageRetentionDays: days };
}
