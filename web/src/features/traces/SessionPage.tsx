import { Link, useParams } from 'react-router';
import { formatDateTime } from '../../shared/dates';
import { RequireProject } from '../../shared/layout/RequireProject';
import { formatCount, formatMoney } from '../../shared/money';
import { scopedPath, useScope } from '../../shared/scope';
import { Card, PageHeader, QueryView } from '../../shared/ui/ui';
import { TraceTable } from './TraceTable';
import { useSession } from './traces.queries';

/** One session: its totals and its traces, oldest first. */
export default function SessionPage() {
  const { sessionId = '' } = useParams();
  const scope = useScope();
  return (
    <>
      <PageHeader
        title={`Session ${sessionId}`}
        description="Every trace of the project carrying this session id, oldest first. Amounts in USD."
        actions={<Link to={scopedPath(scope, 'traces', { view: 'sessions' })}>All sessions</Link>}
      />
      <RequireProject page="traces">{(projectId) => <Session projectId={projectId} sessionId={sessionId} />}</RequireProject>
    </>
  );
}

function Session({ projectId, sessionId }: { projectId: string; sessionId: string }) {
  const session = useSession(projectId, sessionId);
  return (
    <QueryView query={session} label="Loading the session">
      {(s) => (
        <>
          <div className="stats">
            <Stat label="Cost" value={formatMoney(s.cost)} />
            <Stat label="Traces" value={`${formatCount(s.traces)}`} note={`${formatCount(s.flaggedTraces)} flagged`} />
            <Stat label="Tokens" value={formatCount(s.tokens.total)} note={`${formatCount(s.modelCalls)} model calls`} />
            <Stat label="Active" value={formatDateTime(s.firstStartedAt)} note={`to ${formatDateTime(s.lastEndedAt)}`} />
          </div>
          <Card title="Traces">
            <TraceTable traces={s.traceList} label="Traces of the session" />
          </Card>
        </>
      )}
    </QueryView>
  );
}

function Stat({ label, value, note }: { label: string; value: string; note?: string }) {
  return (
    <div className="stat">
      <p className="stat-label">{label}</p>
      <p className="stat-value stat-value-small">{value}</p>
      {note && <p className="stat-note muted">{note}</p>}
    </div>
  );
}
