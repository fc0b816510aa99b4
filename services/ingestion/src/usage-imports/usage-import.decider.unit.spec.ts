import { USAGE_IMPORT_LIMITS } from '@llmlab/contracts';
import { deciderSpec } from '@llmlab/testing';
import { usageImportDecider, type UsageImportCommand, type UsageImportEvent } from './usage-import.decider';

const spec = deciderSpec(usageImportDecider);
const ids = {
  importId: '0192f3a1-0000-7000-8000-0000000000c1',
  organizationId: '0192f3a1-0000-7000-8000-000000000001',
  projectId: '0192f3a1-0000-7000-8000-0000000000aa',
};
const at = '2026-12-04T10:00:00.000Z';
const actor = { type: 'user' as const, id: '0192f3a1-0000-7000-8000-0000000000ee' };

const queued: UsageImportEvent = {
  type: 'UsageImportQueued',
  data: { ...ids, actor, format: 'csv', bytes: 1234, queuedAt: at },
};
const started: UsageImportEvent = { type: 'UsageImportStarted', data: { ...ids, startedAt: at } };
const lineError = (line: number) => ({ line, field: '/model', message: 'must be a non-empty string' });
const part = (n: number, errors = [lineError(n * 10 + 2)]): UsageImportCommand => ({
  type: 'RecordPart',
  data: { part: n, records: (n + 1) * 1000, linesRead: (n + 1) * 1000 + 1, accepted: 999, rejected: errors.length, errors },
});
const recorded = (n: number, errors = [lineError(n * 10 + 2)], errorCount = errors.length): UsageImportEvent => ({
  type: 'UsageImportPartRecorded',
  data: {
    ...ids,
    part: n,
    records: (n + 1) * 1000,
    linesRead: (n + 1) * 1000 + 1,
    accepted: 999,
    rejected: errorCount,
    errors,
    errorCount,
  },
});

describe('usage import decider', () => {
  it('queues an import once', () => {
    const queue: UsageImportCommand = {
      type: 'QueueImport',
      data: { ...ids, actor, format: 'csv', bytes: 1234, at },
    };
    spec.given([]).when(queue).then([queued]);
    spec.given([queued]).when(queue).then([]);
  });

  it('starts a queued import once', () => {
    spec.given([queued]).when({ type: 'StartImport', data: { at } }).then([started]);
    spec.given([queued, started]).when({ type: 'StartImport', data: { at } }).then([]);
  });

  it('records parts in order, and a part already recorded adds nothing (a resumed import)', () => {
    spec
      .given([queued, started])
      .when(part(0))
      .then([recorded(0)]);
    spec
      .given([queued, started, recorded(0)])
      .when(part(0))
      .then([]);
    spec
      .given([queued, started, recorded(0)])
      .when(part(2))
      .then([]);
    spec
      .given([queued, started, recorded(0)])
      .when(part(1))
      .then([recorded(1)]);
    spec.given([queued]).when(part(0)).then([]);
  });

  it(`keeps the first ${USAGE_IMPORT_LIMITS.maxErrors} line errors and counts the others`, () => {
    const many = Array.from({ length: USAGE_IMPORT_LIMITS.maxErrors - 1 }, (_, i) => lineError(i + 2));
    const next = [lineError(5000), lineError(5001), lineError(5002)];
    spec
      .given([queued, started, recorded(0, many)])
      .when(part(1, next))
      .then([recorded(1, next.slice(0, 1), 3)]);
  });

  it('completes with the totals of the last checkpoint, then ignores late commands', () => {
    spec
      .given([queued, started, recorded(0), recorded(1)])
      .when({ type: 'CompleteImport', data: { at } })
      .then([{ type: 'UsageImportCompleted', data: { ...ids, parts: 2, records: 2000, linesRead: 2001, completedAt: at } }]);
    const completed: UsageImportEvent = {
      type: 'UsageImportCompleted',
      data: { ...ids, parts: 1, records: 1000, linesRead: 1001, completedAt: at },
    };
    spec
      .given([queued, started, recorded(0), completed])
      .when(part(1))
      .then([]);
    spec
      .given([queued, started, recorded(0), completed])
      .when({ type: 'FailImport', data: { reason: 'x', at } })
      .then([]);
  });

  it('fails a queued or running import once', () => {
    const failed: UsageImportEvent = { type: 'UsageImportFailed', data: { ...ids, reason: 'line 3: broken', failedAt: at } };
    spec
      .given([queued])
      .when({ type: 'FailImport', data: { reason: 'line 3: broken', at } })
      .then([failed]);
    spec
      .given([queued, started])
      .when({ type: 'FailImport', data: { reason: 'line 3: broken', at } })
      .then([failed]);
    spec
      .given([queued, failed])
      .when({ type: 'FailImport', data: { reason: 'again', at } })
      .then([]);
    spec.given([queued, failed]).when({ type: 'StartImport', data: { at } }).then([]);
  });
});
