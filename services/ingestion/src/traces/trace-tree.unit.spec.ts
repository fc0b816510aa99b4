import { buildSpanTree, type SpanNode } from './trace-tree';

const span = (spanId: string, parentSpanId: string | null, start: number, cost = '0'): SpanNode => ({
  spanId,
  parentSpanId,
  name: spanId,
  kind: 'internal',
  category: 'other',
  startTime: `2026-12-04T10:00:00.${String(start).padStart(6, '0')}Z`,
  endTime: `2026-12-04T10:00:01.000000Z`,
  offsetMs: 0,
  durationMs: 0,
  status: 'ok',
  statusMessage: null,
  serviceName: null,
  operation: null,
  toolName: null,
  usage: null,
  cost: { amount: cost, currency: 'USD' },
  attributes: {},
  events: [],
  content: null,
});

describe('buildSpanTree', () => {
  it('orders depth first with siblings by start, then orphans and cycles at depth 0, each span once', () => {
    const tree = buildSpanTree(
      [
        span('b', 'r', 20),
        span('orphan', 'gone', 1),
        span('a', 'r', 10),
        span('r', null, 5),
        span('a1', 'a', 15),
        span('x', 'y', 30),
        span('y', 'x', 40),
      ],
      [],
    );
    expect(tree.map((s) => `${s.spanId}:${s.depth}`)).toEqual(['r:0', 'a:1', 'a1:2', 'b:1', 'orphan:0', 'x:0', 'y:1']);
  });

  it('sums subtree costs exactly and puts each flag on the spans it names', () => {
    const tree = buildSpanTree(
      [span('r', null, 0, '0.1'), span('a', 'r', 1, '0.2'), span('a1', 'a', 2, '0.000000000001'), span('b', 'r', 3, '0.3')],
      [{ type: 'retry_storm', spanIds: ['a', 'a1', 'a'], summary: 's', figures: {} }],
    );
    const by = Object.fromEntries(tree.map((s) => [s.spanId, s]));
    expect(by.r.subtreeCost.amount).toBe('0.600000000001');
    expect(by.a.subtreeCost.amount).toBe('0.200000000001');
    expect(by.b.subtreeCost.amount).toBe('0.300000000000');
    expect([by.a.flags, by.a1.flags, by.r.flags]).toEqual([['retry_storm'], ['retry_storm'], []]);
  });

  it('walks a chain of 20,000 nested spans without exhausting the stack', () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => span(`s${i}`, i === 0 ? null : `s${i - 1}`, i % 999_999, '0.000000000001'));
    const tree = buildSpanTree(chain, []);
    expect(tree.at(-1)).toMatchObject({ spanId: 's19999', depth: 19_999 });
    expect(tree[0].subtreeCost.amount).toBe('0.000000020000');
  });
});
