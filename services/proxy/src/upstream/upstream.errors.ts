import type { TargetReport } from './upstream-report';

export type UpstreamErrorCode = 'unavailable' | 'cancelled';

/** A call that ended without an upstream answer to return; `targets` says what happened at each target. */
export class UpstreamError extends Error {
  constructor(
    readonly code: UpstreamErrorCode,
    readonly targets: TargetReport[],
  ) {
    super(`${code}: ${targets.map((t) => `${t.targetId} ${t.result}`).join(', ') || 'no target'}`);
    this.name = new.target.name;
  }
}

/** No target answered at all: every one was skipped, timed out or could not be reached. */
export class UpstreamUnavailable extends UpstreamError {
  constructor(targets: TargetReport[]) {
    super('unavailable', targets);
  }
}

/** The caller's signal aborted the call; the attempt in flight was cancelled. */
export class UpstreamCancelled extends UpstreamError {
  constructor(targets: TargetReport[]) {
    super('cancelled', targets);
  }
}
