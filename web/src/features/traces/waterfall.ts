import type { FlagType, TraceSpan } from './traces.queries';

/** What each detector's flag is called on screen. */
export const FLAG_LABELS: Record<FlagType, string> = {
  error: 'Error',
  retry_storm: 'Retry storm',
  tool_loop: 'Tool loop',
  timeout: 'Timeout',
  cost_outlier: 'Cost outlier',
  runaway_context: 'Runaway context',
};

export const FLAG_TYPES = Object.keys(FLAG_LABELS) as FlagType[];

/** `850 ms`, `12.4 s`, `3 min 5 s`: durations in the unit a person reads them in. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms - minutes * 60_000) / 1000);
  return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`;
}

/** A bar's place on the time axis, in percent of the trace's duration. */
export interface BarGeometry {
  left: number;
  width: number;
}

/** Narrowest bar drawn, in percent, so that a 0 ms span is still a visible mark. */
export const MIN_BAR_PERCENT = 0.4;

/**
 * Where a span's bar sits: its offset and duration over the trace's duration, clamped to the axis (a late span can
 * end past the trace's recorded end while the trace is still growing). A trace of 0 ms draws every bar at the start.
 */
export function barGeometry(span: Pick<TraceSpan, 'offsetMs' | 'durationMs'>, traceMs: number): BarGeometry {
  const total = Math.max(traceMs, span.offsetMs + span.durationMs);
  if (total <= 0) return { left: 0, width: MIN_BAR_PERCENT };
  const left = Math.min(100 - MIN_BAR_PERCENT, Math.max(0, (span.offsetMs / total) * 100));
  const width = Math.min(100 - left, Math.max(MIN_BAR_PERCENT, (span.durationMs / total) * 100));
  return { left, width };
}

/**
 * Ticks of the time axis: about `count` round steps (1, 2 or 5 times a power of ten milliseconds) from 0 to the
 * trace's duration, each with its position in percent.
 */
export function axisTicks(traceMs: number, count = 5): { ms: number; percent: number }[] {
  if (traceMs <= 0) return [{ ms: 0, percent: 0 }];
  const raw = traceMs / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: { ms: number; percent: number }[] = [];
  for (let ms = 0; ms <= traceMs + 1e-9; ms += step) ticks.push({ ms, percent: (ms / traceMs) * 100 });
  return ticks;
}

/**
 * The spans shown when some are collapsed: spans arrive in tree order (depth first), so a collapsed span's
 * descendants are the spans right after it with a greater depth.
 */
export function visibleSpans<T extends Pick<TraceSpan, 'spanId' | 'depth'>>(spans: readonly T[], collapsed: ReadonlySet<string>): T[] {
  const shown: T[] = [];
  let hideDeeperThan: number | null = null;
  for (const span of spans) {
    if (hideDeeperThan !== null) {
      if (span.depth > hideDeeperThan) continue;
      hideDeeperThan = null;
    }
    shown.push(span);
    if (collapsed.has(span.spanId)) hideDeeperThan = span.depth;
  }
  return shown;
}

/** Spans that have children (the next span in tree order is deeper): those get a collapse toggle. */
export function parentsOf<T extends Pick<TraceSpan, 'spanId' | 'depth'>>(spans: readonly T[]): Set<string> {
  const parents = new Set<string>();
  spans.forEach((span, i) => {
    const next = spans[i + 1];
    if (next && next.depth > span.depth) parents.add(span.spanId);
  });
  return parents;
}
