import { axisTicks, barGeometry, formatDuration, MIN_BAR_PERCENT, parentsOf, visibleSpans } from './waterfall';

// root ─┬─ plan ── llm-1
//       ├─ tool
//       └─ answer ── llm-2
const TREE = [
  { spanId: 'root', depth: 0 },
  { spanId: 'plan', depth: 1 },
  { spanId: 'llm-1', depth: 2 },
  { spanId: 'tool', depth: 1 },
  { spanId: 'answer', depth: 1 },
  { spanId: 'llm-2', depth: 2 },
];
const ids = (spans: { spanId: string }[]) => spans.map((s) => s.spanId);

describe('the waterfall layout', () => {
  it('places a bar by its offset and duration over the trace', () => {
    expect(barGeometry({ offsetMs: 250, durationMs: 500 }, 1000)).toEqual({ left: 25, width: 50 });
    expect(barGeometry({ offsetMs: 0, durationMs: 1000 }, 1000)).toEqual({ left: 0, width: 100 });
  });

  it('draws a 0 ms span as a thin mark that stays on the axis, even at the very end', () => {
    expect(barGeometry({ offsetMs: 500, durationMs: 0 }, 1000)).toEqual({ left: 50, width: MIN_BAR_PERCENT });
    const last = barGeometry({ offsetMs: 1000, durationMs: 0 }, 1000);
    expect(last.left + last.width).toBeLessThanOrEqual(100);
    expect(last.width).toBe(MIN_BAR_PERCENT);
  });

  it('scales to the latest end when a span ends past the trace recorded so far, and survives a 0 ms trace', () => {
    expect(barGeometry({ offsetMs: 1000, durationMs: 1000 }, 1000)).toEqual({ left: 50, width: 50 });
    expect(barGeometry({ offsetMs: 0, durationMs: 0 }, 0)).toEqual({ left: 0, width: MIN_BAR_PERCENT });
  });

  it('puts round ticks on the axis, from 0 to the duration', () => {
    expect(axisTicks(1000).map((t) => t.ms)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(axisTicks(1000).at(-1)?.percent).toBe(100);
    expect(axisTicks(3700).map((t) => t.ms)).toEqual([0, 1000, 2000, 3000]);
    expect(axisTicks(0)).toEqual([{ ms: 0, percent: 0 }]);
  });

  it('hides the descendants of a collapsed span, and only them', () => {
    expect(ids(visibleSpans(TREE, new Set()))).toEqual(ids(TREE));
    expect(ids(visibleSpans(TREE, new Set(['plan'])))).toEqual(['root', 'plan', 'tool', 'answer', 'llm-2']);
    expect(ids(visibleSpans(TREE, new Set(['root'])))).toEqual(['root']);
    expect(ids(visibleSpans(TREE, new Set(['plan', 'answer'])))).toEqual(['root', 'plan', 'tool', 'answer']);
    // A leaf collapsed hides nothing.
    expect(ids(visibleSpans(TREE, new Set(['tool'])))).toEqual(ids(TREE));
  });

  it('knows which spans have children', () => {
    expect([...parentsOf(TREE)]).toEqual(['root', 'plan', 'answer']);
  });

  it('writes durations in the unit a person reads', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(1234)).toBe('1.23 s');
    expect(formatDuration(12_400)).toBe('12.4 s');
    expect(formatDuration(185_000)).toBe('3 min 5 s');
    expect(formatDuration(120_000)).toBe('2 min');
  });
});
