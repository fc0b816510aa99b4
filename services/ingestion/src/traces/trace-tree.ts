import { Decimal } from 'decimal.js';
import type { MoneyAmount, TraceFlagData, TraceFlagType, TraceSpanView } from '@llmlab/contracts';
import { toMoneyString } from '@llmlab/domain';

/** A span as read, before its place in the tree is known. */
export type SpanNode = Omit<TraceSpanView, 'depth' | 'subtreeCost' | 'flags'>;

const byStart = (a: SpanNode, b: SpanNode) =>
  a.startTime < b.startTime ? -1 : a.startTime > b.startTime ? 1 : a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0;

const usd = (amount: Decimal): MoneyAmount => ({ amount: toMoneyString(amount), currency: 'USD' });

/**
 * The spans in tree order: depth first, siblings by start time (then span id). The root spans come first, then the
 * orphans (a parent that never arrived) at depth 0, by start; spans caught in a parent cycle, which no root reaches,
 * last, each cycle entered at its earliest span. Subtree costs are summed exactly (decimal.js) from the spans' own.
 * Start times compare as text: they are all printed the same way (UTC, microseconds).
 */
export function buildSpanTree(spans: readonly SpanNode[], flags: readonly TraceFlagData[]): TraceSpanView[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, SpanNode[]>();
  const roots: SpanNode[] = [];
  const orphans: SpanNode[] = [];
  for (const span of spans) {
    if (span.parentSpanId === null) roots.push(span);
    else if (!ids.has(span.parentSpanId) || span.parentSpanId === span.spanId) orphans.push(span);
    else children.set(span.parentSpanId, [...(children.get(span.parentSpanId) ?? []), span]);
  }
  for (const list of children.values()) list.sort(byStart);

  const flagsOf = new Map<string, TraceFlagType[]>();
  for (const flag of flags) {
    for (const spanId of new Set(flag.spanIds)) flagsOf.set(spanId, [...(flagsOf.get(spanId) ?? []), flag.type]);
  }

  const ordered: TraceSpanView[] = [];
  const visited = new Set<string>();
  const subtree = new Map<string, Decimal>();

  // Iterative: a trace of thousands of nested spans must not exhaust the stack.
  const walk = (start: SpanNode) => {
    const stack: { span: SpanNode; depth: number; exit: boolean }[] = [{ span: start, depth: 0, exit: false }];
    while (stack.length > 0) {
      const { span, depth, exit } = stack.pop()!;
      if (exit) {
        const own = new Decimal(span.cost.amount);
        const total = (children.get(span.spanId) ?? []).reduce(
          (sum, c) => (subtree.has(c.spanId) ? sum.plus(subtree.get(c.spanId)!) : sum),
          own,
        );
        subtree.set(span.spanId, total);
        continue;
      }
      if (visited.has(span.spanId)) continue;
      visited.add(span.spanId);
      ordered.push({ ...span, depth, subtreeCost: usd(new Decimal(0)), flags: flagsOf.get(span.spanId) ?? [] });
      stack.push({ span, depth, exit: true });
      const kids = (children.get(span.spanId) ?? []).filter((c) => !visited.has(c.spanId));
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ span: kids[i], depth: depth + 1, exit: false });
    }
  };

  for (const span of [...roots.sort(byStart), ...orphans.sort(byStart)]) walk(span);
  for (const span of [...spans].sort(byStart)) if (!visited.has(span.spanId)) walk(span);

  return ordered.map((view) => ({ ...view, subtreeCost: usd(subtree.get(view.spanId)!) }));
}
