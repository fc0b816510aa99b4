import {
  CONTENT_RETENTION_DAYS,
  TRACE_SETTINGS_DEFAULTS,
  type FieldError,
  type TraceSettingsChangedData,
  type TraceSettingsData,
} from '@llmlab/contracts';
import type { Decider } from '@llmlab/domain';
import { validationFailed } from '../ingestion.errors';

export type TraceSettingsCommand = {
  type: 'ChangeTraceSettings';
  organizationId: string;
  at: Date;
  /** `<actor type>:<actor id>` of the caller. */
  actor: string;
  settings: TraceSettingsData;
};

export type TraceSettingsEvent = { type: 'TraceSettingsChanged'; data: TraceSettingsChangedData };

/**
 * An organization's content capture settings, on `ingestion.trace-settings-<organizationId>`. Setting what is
 * already set appends nothing: the stream records changes only, and is the audit of who turned capture on or off.
 */
function decide(command: TraceSettingsCommand, state: TraceSettingsData): TraceSettingsEvent[] {
  const settings = validate(command.settings);
  if (settings.captureContent === state.captureContent && settings.contentRetentionDays === state.contentRetentionDays) return [];
  return [
    {
      type: 'TraceSettingsChanged',
      data: { organizationId: command.organizationId, ...settings, changedAt: command.at.toISOString(), changedBy: command.actor },
    },
  ];
}

function evolve(_state: TraceSettingsData, event: TraceSettingsEvent): TraceSettingsData {
  return { captureContent: event.data.captureContent, contentRetentionDays: event.data.contentRetentionDays };
}

export const traceSettingsDecider: Decider<TraceSettingsCommand, TraceSettingsEvent, TraceSettingsData> = {
  decide,
  evolve,
  initialState: () => TRACE_SETTINGS_DEFAULTS,
};

function validate(settings: TraceSettingsData): TraceSettingsData {
  const errors: FieldError[] = [];
  if (typeof settings.captureContent !== 'boolean') errors.push({ field: '/captureContent', message: 'must be a boolean' });
  const days = settings.contentRetentionDays;
  if (!Number.isInteger(days) || days < CONTENT_RETENTION_DAYS.min || days > CONTENT_RETENTION_DAYS.max) {
    errors.push({
      field: '/contentRetentionDays',
      message: `must be an integer from ${CONTENT_RETENTION_DAYS.min} to ${CONTENT_RETENTION_DAYS.max}`,
    });
  }
  if (errors.length) throw validationFailed(errors);
  return { captureContent: settings.captureContent, contentRetentionDays: days };
}
