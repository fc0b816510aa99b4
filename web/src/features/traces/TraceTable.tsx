import { Link } from 'react-router';
import { formatShortDateTime } from '../../shared/dates';
import { formatCount, formatMoney } from '../../shared/money';
import { scopedPath, useScope } from '../../shared/scope';
import { FlagBadges, TraceStatus } from './TraceBadges';
import type { TraceSummary } from './traces.queries';
import { formatDuration } from './waterfall';

/** Traces, one a row; the root name opens the trace. */
export function TraceTable({ traces, label }: { traces: readonly TraceSummary[]; label: string }) {
  const scope = useScope();
  return (
    <div className="table-wrap">
      <table className="table" aria-label={label}>
        <thead>
          <tr>
            <th scope="col">Trace</th>
            <th scope="col">Start (UTC)</th>
            <th scope="col" className="num">
              Duration
            </th>
            <th scope="col" className="num">
              Spans
            </th>
            <th scope="col" className="num">
              Model calls
            </th>
            <th scope="col" className="num">
              Tokens
            </th>
            <th scope="col" className="num">
              Cost
            </th>
            <th scope="col">Status</th>
            <th scope="col">Flags</th>
          </tr>
        </thead>
        <tbody>
          {traces.map((t) => (
            <tr key={t.traceId}>
              <th scope="row">
                <Link to={scopedPath(scope, `traces/${t.traceId}`)} className="truncate" title={t.traceId}>
                  {t.name ?? <span className="muted">(root not received) {t.traceId.slice(0, 8)}</span>}
                </Link>
              </th>
              <td className="nowrap">{formatShortDateTime(t.startedAt)}</td>
              <td className="num">{formatDuration(t.durationMs)}</td>
              <td className="num">{formatCount(t.spanCount)}</td>
              <td className="num">{formatCount(t.modelCalls)}</td>
              <td className="num">{formatCount(t.tokens.total)}</td>
              <td className="num">
                {formatMoney(t.cost)}
                {t.unpriced > 0 && (
                  <span className="badge" title={`${t.unpriced} model calls have no price yet`}>
                    +{formatCount(t.unpriced)} unpriced
                  </span>
                )}
              </td>
              <td className="nowrap">
                <TraceStatus trace={t} />
              </td>
              <td>
                <FlagBadges flags={t.flags} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
