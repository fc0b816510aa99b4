import {
  USAGE_IMPORT_LIMITS,
  type IngestionEvent,
  type UsageImportActor,
  type UsageImportFormat,
  type UsageImportLineError,
} from '@llmlab/contracts';
import { assertUnreachable, type Decider } from '@llmlab/domain';

export type UsageImportCommand =
  | {
      type: 'QueueImport';
      data: {
        importId: string;
        organizationId: string;
        projectId: string;
        actor: UsageImportActor;
        format: UsageImportFormat;
        bytes: number;
        at: string;
      };
    }
  | { type: 'StartImport'; data: { at: string } }
  | {
      type: 'RecordPart';
      data: { part: number; records: number; linesRead: number; accepted: number; rejected: number; errors: UsageImportLineError[] };
    }
  | { type: 'CompleteImport'; data: { at: string } }
  | { type: 'FailImport'; data: { reason: string; at: string } };

export type UsageImportEvent = Extract<
  IngestionEvent,
  { type: 'UsageImportQueued' | 'UsageImportStarted' | 'UsageImportPartRecorded' | 'UsageImportCompleted' | 'UsageImportFailed' }
>;

export interface UsageImportState {
  status: 'none' | 'queued' | 'running' | 'completed' | 'failed';
  importId: string;
  organizationId: string;
  projectId: string;
  actor: UsageImportActor | null;
  format: UsageImportFormat;
  bytes: number;
  queuedAt: string;
  /** The next part to record: every part before it is in the ledger. */
  parts: number;
  /** Data lines consumed by the recorded parts: where a resumed import starts reading again. */
  records: number;
  linesRead: number;
  errorsKept: number;
}

const initialState = (): UsageImportState => ({
  status: 'none',
  importId: '',
  organizationId: '',
  projectId: '',
  actor: null,
  format: 'csv',
  bytes: 0,
  queuedAt: '',
  parts: 0,
  records: 0,
  linesRead: 0,
  errorsKept: 0,
});

function decide(command: UsageImportCommand, state: UsageImportState): UsageImportEvent[] {
  const ids = { importId: state.importId, organizationId: state.organizationId, projectId: state.projectId };
  switch (command.type) {
    case 'QueueImport': {
      if (state.status !== 'none') return [];
      const { at, ...d } = command.data;
      return [{ type: 'UsageImportQueued', data: { ...d, queuedAt: at } }];
    }
    case 'StartImport':
      return state.status === 'queued' ? [{ type: 'UsageImportStarted', data: { ...ids, startedAt: command.data.at } }] : [];
    case 'RecordPart': {
      // A part already recorded (a resumed import doing it again) adds nothing: the checkpoint is exact.
      if (state.status !== 'running' || command.data.part !== state.parts) return [];
      const room = Math.max(USAGE_IMPORT_LIMITS.maxErrors - state.errorsKept, 0);
      return [
        {
          type: 'UsageImportPartRecorded',
          data: { ...ids, ...command.data, errors: command.data.errors.slice(0, room), errorCount: command.data.errors.length },
        },
      ];
    }
    case 'CompleteImport':
      if (state.status !== 'running') return [];
      return [
        {
          type: 'UsageImportCompleted',
          data: { ...ids, parts: state.parts, records: state.records, linesRead: state.linesRead, completedAt: command.data.at },
        },
      ];
    case 'FailImport':
      if (state.status !== 'queued' && state.status !== 'running') return [];
      return [{ type: 'UsageImportFailed', data: { ...ids, reason: command.data.reason, failedAt: command.data.at } }];
    default:
      return assertUnreachable(command);
  }
}

function evolve(state: UsageImportState, event: UsageImportEvent): UsageImportState {
  switch (event.type) {
    case 'UsageImportQueued': {
      const d = event.data;
      return {
        ...state,
        status: 'queued',
        importId: d.importId,
        organizationId: d.organizationId,
        projectId: d.projectId,
        actor: d.actor,
        format: d.format,
        bytes: d.bytes,
        queuedAt: d.queuedAt,
      };
    }
    case 'UsageImportStarted':
      return { ...state, status: 'running' };
    case 'UsageImportPartRecorded':
      return {
        ...state,
        parts: event.data.part + 1,
        records: event.data.records,
        linesRead: event.data.linesRead,
        errorsKept: state.errorsKept + event.data.errors.length,
      };
    case 'UsageImportCompleted':
      return { ...state, status: 'completed' };
    case 'UsageImportFailed':
      return { ...state, status: 'failed' };
    default:
      return assertUnreachable(event);
  }
}

/** A backfill import: queued with its upload, started once, a checkpoint per part, then completed or failed. */
export const usageImportDecider: Decider<UsageImportCommand, UsageImportEvent, UsageImportState> = { decide, evolve, initialState };
