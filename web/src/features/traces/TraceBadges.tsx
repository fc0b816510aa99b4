import type { FlagType, TraceSummary } from './traces.queries';
import { FLAG_LABELS } from './waterfall';

export function FlagBadges({ flags }: { flags: readonly FlagType[] }) {
  return (
    <>
      {flags.map((f) => (
        <span key={f} className={`badge badge-flag badge-flag-${f}`}>
          {FLAG_LABELS[f]}
        </span>
      ))}
    </>
  );
}

export function TraceStatus({ trace }: { trace: Pick<TraceSummary, 'status' | 'complete'> }) {
  return (
    <>
      {trace.status === 'error' ? <span className="badge badge-error">error</span> : 'ok'}
      {!trace.complete && (
        <span className="badge" title="Spans may still arrive; detectors run once the trace is idle">
          open
        </span>
      )}
    </>
  );
}
