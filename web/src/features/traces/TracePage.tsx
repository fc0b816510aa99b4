import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { formatDateTime } from '../../shared/dates';
import { RequireProject } from '../../shared/layout/RequireProject';
import { formatCount, formatMoney } from '../../shared/money';
import { scopedPath, useScope } from '../../shared/scope';
import { Card, PageHeader, QueryView } from '../../shared/ui/ui';
import { useUrlState } from '../../shared/url-state';
import { FlagBadges, TraceStatus } from './TraceBadges';
import { useTrace, type TraceFlag, type TraceSpan, type TraceView } from './traces.queries';
import { axisTicks, barGeometry, FLAG_LABELS, formatDuration, parentsOf, visibleSpans } from './waterfall';

/** A trace: its span tree beside a timeline, the cost of every span and subtree, the flags, and one span in detail. */
export default function TracePage() {
  const { traceId = '' } = useParams();
  const scope = useScope();
  return (
    <>
      <PageHeader title="Trace" description={<code>{traceId}</code>} actions={<Link to={scopedPath(scope, 'traces')}>All traces</Link>} />
      <RequireProject page="traces">{(projectId) => <Trace projectId={projectId} traceId={traceId} />}</RequireProject>
    </>
  );
}

function Trace({ projectId, traceId }: { projectId: string; traceId: string }) {
  const trace = useTrace(projectId, traceId);
  return (
    <QueryView query={trace} label="Loading the trace">
      {(t) => <TraceBody trace={t} />}
    </QueryView>
  );
}

function TraceBody({ trace }: { trace: TraceView }) {
  const scope = useScope();
  const [selectedId, setSelected] = useUrlState('span', '');
  const selected = trace.spans.find((s) => s.spanId === selectedId);
  // Each flagged span shows why: the summaries of the flags that name it.
  const flagsBySpan = useMemo(() => {
    const map = new Map<string, TraceFlag[]>();
    for (const flag of trace.flagDetails) for (const id of flag.spanIds) map.set(id, [...(map.get(id) ?? []), flag]);
    return map;
  }, [trace.flagDetails]);

  return (
    <>
      <h2 className="trace-name">
        {trace.name ?? <span className="muted">Root span not received yet</span>} <TraceStatus trace={trace} />
        <FlagBadges flags={trace.flags} />
      </h2>
      <div className="stats">
        <Stat
          label="Cost"
          value={formatMoney(trace.cost)}
          note={trace.unpriced > 0 ? `${formatCount(trace.unpriced)} model calls unpriced` : 'USD'}
        />
        <Stat label="Duration" value={formatDuration(trace.durationMs)} note={`from ${formatDateTime(trace.startedAt)}`} />
        <Stat label="Spans" value={formatCount(trace.spanCount)} note={`${formatCount(trace.modelCalls)} model calls`} />
        <Stat
          label="Tokens"
          value={formatCount(trace.tokens.total)}
          note={`${formatCount(trace.tokens.input)} in, ${formatCount(trace.tokens.output)} out`}
        />
      </div>
      {(trace.sessionId || trace.userId) && (
        <p className="muted">
          {trace.sessionId && (
            <>
              Session <Link to={scopedPath(scope, `sessions/${encodeURIComponent(trace.sessionId)}`)}>{trace.sessionId}</Link>.{' '}
            </>
          )}
          {trace.userId && <>End user {trace.userId}.</>}
        </p>
      )}
      {trace.flagDetails.length > 0 && (
        <Card title="What the detectors found">
          <ul className="plain-list flag-list">
            {trace.flagDetails.map((f, i) => (
              <li key={`${f.type}-${i}`}>
                <span className={`badge badge-flag badge-flag-${f.type}`}>{FLAG_LABELS[f.type]}</span> {f.summary}{' '}
                {f.spanIds.length > 0 && (
                  <button type="button" className="btn-link" onClick={() => setSelected(f.spanIds[0])}>
                    Show {f.spanIds.length === 1 ? 'the span' : `the first of ${f.spanIds.length} spans`}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </Card>
      )}
      <div className={selected ? 'split-view split-view-wide' : undefined}>
        <Card title="Timeline">
          <Waterfall
            trace={trace}
            selectedId={selectedId}
            onSelect={(id) => setSelected(id === selectedId ? '' : id)}
            flagsBySpan={flagsBySpan}
          />
        </Card>
        {selected && <SpanDetail span={selected} flags={flagsBySpan.get(selected.spanId) ?? []} onClose={() => setSelected('')} />}
      </div>
    </>
  );
}

export function Waterfall({
  trace,
  selectedId,
  onSelect,
  flagsBySpan,
}: {
  trace: Pick<TraceView, 'spans' | 'durationMs'>;
  selectedId: string;
  onSelect: (spanId: string) => void;
  flagsBySpan: ReadonlyMap<string, readonly TraceFlag[]>;
}) {
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const parents = useMemo(() => parentsOf(trace.spans), [trace.spans]);
  const rows = useMemo(() => visibleSpans(trace.spans, collapsed), [trace.spans, collapsed]);
  const ticks = useMemo(() => axisTicks(trace.durationMs), [trace.durationMs]);
  const toggle = (id: string) =>
    setCollapsed((current) => {
      const next = new Set(current);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  return (
    <div className="table-wrap">
      <table className="table waterfall" aria-label="Spans and their timing">
        <thead>
          <tr>
            <th scope="col" className="wf-name">
              Span
            </th>
            <th scope="col" className="wf-timeline">
              <span className="visually-hidden">Timeline, 0 to {formatDuration(trace.durationMs)}</span>
              <div className="wf-axis" aria-hidden="true">
                {ticks.map((t) => (
                  <span key={t.ms} style={{ left: `${t.percent}%` }}>
                    {formatDuration(t.ms)}
                  </span>
                ))}
              </div>
            </th>
            <th scope="col" className="num">
              Duration
            </th>
            <th scope="col" className="num">
              Tokens
            </th>
            <th scope="col" className="num">
              Cost
            </th>
            <th scope="col" className="num">
              Subtree cost
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((span) => {
            const bar = barGeometry(span, trace.durationMs);
            const flags = flagsBySpan.get(span.spanId) ?? [];
            const isOpen = !collapsed.has(span.spanId);
            const className = ['wf-row', span.status === 'error' ? 'wf-error' : '', flags.length > 0 ? 'wf-flagged' : '']
              .filter(Boolean)
              .join(' ');
            return (
              <tr
                key={span.spanId}
                className={className}
                aria-selected={span.spanId === selectedId || undefined}
                data-span-id={span.spanId}
              >
                <th scope="row" className="wf-name">
                  <div className="wf-label" style={{ paddingLeft: `${span.depth * 1.1}rem` }}>
                    {parents.has(span.spanId) ? (
                      <button
                        type="button"
                        className="wf-toggle"
                        aria-expanded={isOpen}
                        aria-label={`${isOpen ? 'Collapse' : 'Expand'} ${span.name}`}
                        onClick={() => toggle(span.spanId)}
                      >
                        {isOpen ? '▾' : '▸'}
                      </button>
                    ) : (
                      <span className="wf-toggle-space" aria-hidden="true" />
                    )}
                    <span className={`wf-category wf-category-${span.category}`}>{span.category}</span>
                    <button type="button" className="btn-link wf-select" onClick={() => onSelect(span.spanId)} title={span.name}>
                      {span.name}
                    </button>
                    <FlagBadges flags={span.flags} />
                  </div>
                  {flags.length > 0 && <small className="wf-flag-summary">{flags.map((f) => f.summary).join(' ')}</small>}
                </th>
                <td className="wf-timeline">
                  <div className="wf-track">
                    <span
                      className="wf-bar"
                      style={{ left: `${bar.left}%`, width: `${bar.width}%` }}
                      title={`${formatDuration(span.offsetMs)} + ${formatDuration(span.durationMs)}`}
                    />
                  </div>
                </td>
                <td className="num nowrap">{formatDuration(span.durationMs)}</td>
                <td className="num">{span.usage ? formatCount(span.usage.tokens.total) : '—'}</td>
                <td className="num">{spanCost(span)}</td>
                <td className="num">{formatMoney(span.subtreeCost)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function spanCost(span: TraceSpan): string {
  if (!span.usage) return '—';
  if (span.usage.costStatus === 'unpriced') return 'unpriced';
  return formatMoney(span.cost);
}

function SpanDetail({ span, flags, onClose }: { span: TraceSpan; flags: readonly TraceFlag[]; onClose: () => void }) {
  const usage = span.usage;
  const rows: [string, string][] = [
    ['Span id', span.spanId],
    ['Kind', `${span.kind}, ${span.category}${span.operation ? ` (${span.operation})` : ''}`],
    ['Start', formatDateTime(span.startTime)],
    ['Offset', formatDuration(span.offsetMs)],
    ['Duration', formatDuration(span.durationMs)],
    ['Status', span.status + (span.statusMessage ? `: ${span.statusMessage}` : '')],
    ...(span.serviceName ? [['Service', span.serviceName] as [string, string]] : []),
    ...(span.toolName ? [['Tool', span.toolName] as [string, string]] : []),
  ];
  const usageRows: [string, string][] = usage
    ? [
        ['Provider', usage.provider],
        ['Model', usage.model],
        ['Input tokens', formatCount(usage.tokens.input)],
        ['cached input', formatCount(usage.tokens.cachedInput)],
        ['cache write', formatCount(usage.tokens.cacheWrite)],
        ['Output tokens', formatCount(usage.tokens.output)],
        ['reasoning', formatCount(usage.tokens.reasoning)],
        ['Cost', usage.cost ? formatMoney(usage.cost, { exact: true }) : 'unpriced: no price covers it yet'],
        ['Price', `${usage.costStatus}${usage.priceEntryId ? `, entry ${usage.priceEntryId}` : ''}`],
      ]
    : [];
  return (
    <Card
      title={span.name}
      className="detail span-detail"
      actions={
        <button type="button" className="btn btn-small" onClick={onClose}>
          Close
        </button>
      }
    >
      {flags.map((f, i) => (
        <div key={`${f.type}-${i}`} className="notice notice-error">
          <strong>{FLAG_LABELS[f.type]}</strong>: {f.summary}
        </div>
      ))}
      <Kv rows={rows} />
      {usage && (
        <>
          <h3>Model call</h3>
          <Kv rows={usageRows} />
        </>
      )}
      <h3>Cost</h3>
      <Kv
        rows={[
          ['This span', formatMoney(span.cost, { exact: true })],
          ['With its descendants', formatMoney(span.subtreeCost, { exact: true })],
        ]}
      />
      {Object.keys(span.attributes).length > 0 && (
        <>
          <h3>Attributes</h3>
          <Kv rows={Object.entries(span.attributes).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])} />
        </>
      )}
      {span.events.length > 0 && (
        <>
          <h3>Events</h3>
          <ul className="plain-list">
            {span.events.map((e, i) => (
              <li key={`${e.name}-${i}`}>
                <strong>{e.name}</strong> <span className="muted">{formatDateTime(e.time)}</span>
                {Object.keys(e.attributes).length > 0 && <pre className="json">{JSON.stringify(e.attributes, null, 2)}</pre>}
              </li>
            ))}
          </ul>
        </>
      )}
      {span.content && (
        <>
          <h3>Content{span.content.truncated ? ' (cut to the size limit)' : ''}</h3>
          {span.content.input !== null && (
            <>
              <h4>Input</h4>
              <pre className="json">{span.content.input}</pre>
            </>
          )}
          {span.content.output !== null && (
            <>
              <h4>Output</h4>
              <pre className="json">{span.content.output}</pre>
            </>
          )}
        </>
      )}
    </Card>
  );
}

function Kv({ rows }: { rows: readonly (readonly [string, string])[] }) {
  return (
    <dl className="kv">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function Stat({ label, value, note }: { label: string; value: string; note?: string }) {
  return (
    <div className="stat">
      <p className="stat-label">{label}</p>
      <p className="stat-value">{value}</p>
      {note && <p className="stat-note muted">{note}</p>}
    </div>
  );
}
