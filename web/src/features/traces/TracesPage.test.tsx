import { fireEvent, screen, within } from '@testing-library/react';
import { ORG, PROJECT, renderApp, signedIn } from '../../test-utils';

const money = (amount: string) => ({ amount, currency: 'USD' });
const tokens = (input: number, output: number) => ({ input, output, cachedInput: 0, cacheWrite: 0, reasoning: 0, total: input + output });
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const summary = {
  traceId: TRACE_ID,
  name: 'answer-question',
  startedAt: '2026-12-04T10:00:00.000Z',
  durationMs: 2000,
  spanCount: 3,
  modelCalls: 2,
  tokens: tokens(1500, 300),
  cost: money('0.012345000000'),
  unpriced: 0,
  status: 'error' as const,
  flags: ['tool_loop' as const],
  sessionId: 'chat-1',
  userId: 'u-9',
  complete: true,
};
const span = (
  spanId: string,
  parentSpanId: string | null,
  depth: number,
  name: string,
  offsetMs: number,
  durationMs: number,
  extra = {},
) => ({
  spanId,
  parentSpanId,
  depth,
  name,
  kind: 'internal',
  category: 'other',
  startTime: '2026-12-04T10:00:00.000Z',
  endTime: '2026-12-04T10:00:02.000Z',
  offsetMs,
  durationMs,
  status: 'ok',
  statusMessage: null,
  serviceName: 'agent',
  operation: null,
  toolName: null,
  usage: null,
  cost: money('0'),
  subtreeCost: money('0'),
  attributes: {},
  events: [],
  flags: [],
  content: null,
  ...extra,
});
const llmUsage = (amount: string) => ({
  usageEventId: 'otel:x',
  provider: 'openai',
  model: 'gpt-4o-mini',
  tokens: tokens(1000, 200),
  cost: money(amount),
  costStatus: 'priced',
  priceEntryId: 'catalog:openai/gpt-4o-mini',
});
const view = {
  ...summary,
  spans: [
    span('a000000000000001', null, 0, 'answer-question', 0, 2000, { subtreeCost: money('0.012345000000') }),
    span('a000000000000002', 'a000000000000001', 1, 'chat gpt-4o-mini', 100, 800, {
      category: 'llm',
      operation: 'chat',
      usage: llmUsage('0.010000000000'),
      cost: money('0.010000000000'),
      subtreeCost: money('0.010000000000'),
    }),
    span('a000000000000003', 'a000000000000001', 1, 'execute_tool search', 1000, 500, {
      category: 'tool',
      toolName: 'search',
      status: 'error',
      statusMessage: 'search backend down',
      flags: ['tool_loop'],
      subtreeCost: money('0.002345000000'),
    }),
    span('a000000000000004', 'a000000000000003', 2, 'chat retry', 1100, 300, {
      category: 'llm',
      usage: llmUsage('0.002345000000'),
      cost: money('0.002345000000'),
      subtreeCost: money('0.002345000000'),
    }),
  ],
  flagDetails: [
    {
      type: 'tool_loop',
      spanIds: ['a000000000000003'],
      summary: 'search was called 5 times with the same arguments.',
      figures: { calls: 5 },
    },
  ],
};

describe('the traces pages', () => {
  it('turns the filters into the query and the URL, and starts paging again when one changes', async () => {
    const calls = signedIn({ 'GET /v1/projects/*/traces': { data: [summary], nextCursor: 'next-1' } });
    const { router } = renderApp(`/orgs/${ORG}/traces?project=${PROJECT}&status=error&minCost=0.01&tag=feature:chat`);
    const table = await screen.findByRole('table', { name: 'Traces' });
    const row = within(table).getByRole('row', { name: /answer-question/ });
    expect(row).toHaveTextContent('$0.0123');
    expect(row).toHaveTextContent('2.00 s');
    expect(row).toHaveTextContent('1,800');
    expect(row).toHaveTextContent('Tool loop');
    expect(within(row).getByRole('link', { name: 'answer-question' })).toHaveAttribute(
      'href',
      `/orgs/${ORG}/traces/${TRACE_ID}?project=${PROJECT}`,
    );
    const first = new URLSearchParams(calls.find((c) => c.path === `/v1/projects/${PROJECT}/traces`)?.search);
    expect(first.get('status')).toBe('error');
    expect(first.get('minCost')).toBe('0.01');
    expect(first.get('tag')).toBe('feature:chat');
    expect(first.get('from')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Next page' }));
    expect(router.state.location.search).toContain('cursor=next-1');
    fireEvent.change(screen.getByLabelText('Flag'), { target: { value: 'tool_loop' } });
    const search = new URLSearchParams(router.state.location.search);
    expect(search.get('flag')).toBe('tool_loop');
    expect(search.get('cursor')).toBeNull();
    await screen.findByRole('table', { name: 'Traces' });
    const last = new URLSearchParams(calls.filter((c) => c.path.endsWith('/traces')).at(-1)?.search);
    expect(last.get('flag')).toBe('tool_loop');
    expect(last.get('cursor')).toBeNull();
  });

  it('names a malformed amount or tag beside its field and does not send it', async () => {
    const calls = signedIn({ 'GET /v1/projects/*/traces': { data: [], nextCursor: null } });
    renderApp(`/orgs/${ORG}/traces?project=${PROJECT}&minCost=1e3&tag=nocolon`);
    expect(await screen.findByText('A decimal amount, such as 0.05')).toBeInTheDocument();
    expect(screen.getByText('key:value, such as feature:checkout')).toBeInTheDocument();
    await screen.findByText(/No trace matches/);
    const sent = new URLSearchParams(calls.find((c) => c.path.endsWith('/traces'))?.search);
    expect(sent.has('minCost')).toBe(false);
    expect(sent.has('tag')).toBe(false);
  });

  it('lists sessions with their cost and flagged traces, and a session lists its traces', async () => {
    signedIn({
      'GET /v1/projects/*/sessions': {
        data: [
          {
            sessionId: 'chat-1',
            userId: 'u-9',
            traces: 4,
            flaggedTraces: 1,
            firstStartedAt: '2026-12-04T10:00:00Z',
            lastEndedAt: '2026-12-04T10:05:00Z',
            modelCalls: 8,
            tokens: tokens(4000, 800),
            cost: money('0.05'),
          },
        ],
        nextCursor: null,
      },
      'GET /v1/projects/*/sessions/*': {
        sessionId: 'chat-1',
        userId: 'u-9',
        traces: 1,
        flaggedTraces: 1,
        firstStartedAt: '2026-12-04T10:00:00Z',
        lastEndedAt: '2026-12-04T10:00:02Z',
        modelCalls: 2,
        tokens: tokens(1500, 300),
        cost: money('0.012345'),
        traceList: [summary],
      },
    });
    renderApp(`/orgs/${ORG}/traces?project=${PROJECT}&view=sessions`);
    const table = await screen.findByRole('table', { name: 'Sessions' });
    const row = within(table).getByRole('row', { name: /chat-1/ });
    expect(row).toHaveTextContent('$0.05');
    expect(row).toHaveTextContent('4,800');
    fireEvent.click(within(row).getByRole('link', { name: 'chat-1' }));
    const traces = await screen.findByRole('table', { name: 'Traces of the session' });
    expect(within(traces).getByRole('link', { name: 'answer-question' })).toBeInTheDocument();
  });

  it('shows the waterfall with costs, the flagged span with its summary, collapses a subtree, and details a span', async () => {
    signedIn({ 'GET /v1/projects/*/traces/*': view });
    const { router } = renderApp(`/orgs/${ORG}/traces/${TRACE_ID}?project=${PROJECT}`);
    const waterfall = await screen.findByRole('table', { name: 'Spans and their timing' });
    const rows = within(waterfall).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.getAttribute('data-span-id'))).toEqual([
      'a000000000000001',
      'a000000000000002',
      'a000000000000003',
      'a000000000000004',
    ]);
    // Span cost and subtree cost, exact to what was sent.
    expect(rows[1]).toHaveTextContent('$0.01');
    expect(rows[0]).toHaveTextContent('$0.0123');
    expect(rows[1]).toHaveTextContent('1,200');
    // The bar of the model call: 100 ms in, 800 ms long, over 2 s.
    const bar = rows[1].querySelector('.wf-bar') as HTMLElement;
    expect(bar.style.left).toBe('5%');
    expect(bar.style.width).toBe('40%');
    // The flagged span is highlighted and says why.
    expect(rows[2]).toHaveClass('wf-flagged');
    expect(rows[2]).toHaveTextContent('search was called 5 times with the same arguments.');

    fireEvent.click(within(rows[2]).getByRole('button', { name: 'Collapse execute_tool search' }));
    expect(within(waterfall).queryByRole('button', { name: 'chat retry' })).not.toBeInTheDocument();
    fireEvent.click(within(waterfall).getByRole('button', { name: 'Expand execute_tool search' }));
    expect(within(waterfall).getByRole('button', { name: 'chat retry' })).toBeInTheDocument();

    fireEvent.click(within(waterfall).getByRole('button', { name: 'chat gpt-4o-mini' }));
    expect(router.state.location.search).toContain('span=a000000000000002');
    const detail = screen.getByRole('region', { name: 'chat gpt-4o-mini' });
    expect(detail).toHaveTextContent('gpt-4o-mini');
    expect(detail).toHaveTextContent('openai');
    expect(detail).toHaveTextContent('$0.01');
    expect(detail).toHaveTextContent('catalog:openai/gpt-4o-mini');
  });
});
