import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api } from '../../shared/api/client';
import { unwrap } from '../../shared/api/problem';
import { atLeast, useRole } from '../../shared/api/tenancy';
import { formatDateTime } from '../../shared/dates';
import { scopedPath, useScope } from '../../shared/scope';
import { Card, ErrorNotice, PageHeader, QueryView } from '../../shared/ui/ui';
import { alertKind, alertSummary } from './alert-text';

/** One alert: what fired, acknowledging it, and the delivery log of every channel it went to. */
export default function AlertDetailPage() {
  const scope = useScope();
  const { alertId = '' } = useParams();
  const role = useRole(scope.orgId);
  const queryClient = useQueryClient();
  const alert = useQuery({
    queryKey: ['alert', alertId],
    queryFn: async () => unwrap(await api.GET('/v1/alerts/{alertId}', { params: { path: { alertId } } })),
  });
  const deliveries = useQuery({
    queryKey: ['alert', alertId, 'deliveries'],
    queryFn: async () => unwrap(await api.GET('/v1/alerts/{alertId}/deliveries', { params: { path: { alertId } } })).data,
    refetchInterval: (q) => (q.state.data?.some((d) => d.state === 'pending') ? 3_000 : 30_000),
  });
  const acknowledge = useMutation({
    mutationFn: async () => unwrap(await api.POST('/v1/alerts/{alertId}/acknowledge', { params: { path: { alertId } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['alert', alertId] }),
  });

  return (
    <>
      <p>
        <Link to={scopedPath(scope, 'alerts')}>← All alerts</Link>
      </p>
      <QueryView query={alert}>
        {(a) => {
          const alertProject = { orgId: scope.orgId, projectId: a.scope.projectId ?? null };
          return (
            <>
              <PageHeader
                title={`${alertKind(a)}: ${a.scope.description}`}
                description={alertSummary(a)}
                actions={
                  a.state === 'firing' &&
                  atLeast(role, 'member') && (
                    <button type="button" className="btn btn-primary" onClick={() => acknowledge.mutate()} disabled={acknowledge.isPending}>
                      Acknowledge
                    </button>
                  )
                }
              />
              {acknowledge.isError && <ErrorNotice error={acknowledge.error} />}
              <Card title="Alert">
                <dl className="kv">
                  <div>
                    <dt>State</dt>
                    <dd>
                      <span className={`badge badge-${a.state}`}>{a.state}</span>
                      {a.resolution ? ` (${a.resolution})` : ''}
                    </dd>
                  </div>
                  <div>
                    <dt>Fired</dt>
                    <dd>{formatDateTime(a.firedAt)}</dd>
                  </div>
                  <div>
                    <dt>Acknowledged</dt>
                    <dd>{formatDateTime(a.acknowledgedAt)}</dd>
                  </div>
                  {a.kind === 'trace_failures' && (
                    <div>
                      <dt>Traces to open</dt>
                      <dd>
                        {(a.notification.examples ?? []).map((traceId) => (
                          <Link key={traceId} to={scopedPath(alertProject, `traces/${traceId}`)}>
                            <code>{traceId.slice(0, 12)}…</code>{' '}
                          </Link>
                        ))}
                        <Link to={scopedPath(alertProject, 'traces')}>all traces</Link>
                      </dd>
                    </div>
                  )}
                  {a.kind === 'audit_integrity' ? (
                    <>
                      <div>
                        <dt>Position</dt>
                        <dd>{a.notification.position}</dd>
                      </div>
                      <div>
                        <dt>Check failed</dt>
                        <dd>
                          <code>{a.notification.reason}</code>: {a.notification.detail}
                        </dd>
                      </div>
                      <div>
                        <dt>Detected</dt>
                        <dd>{formatDateTime(a.notification.detectedAt)}</dd>
                      </div>
                    </>
                  ) : (
                    <div>
                      <dt>Period</dt>
                      <dd>
                        {formatDateTime(a.notification.period.start)} – {formatDateTime(a.notification.period.end)} (
                        {a.notification.period.timeZone})
                      </dd>
                    </div>
                  )}
                </dl>
                {a.kind === 'audit_integrity' && (
                  <p className="muted">
                    This alert is never resolved by itself: no tree head is signed until an operator has restored the event store and closed
                    the incident in the audit service. Acknowledge it once someone is on it; the{' '}
                    <Link to={scopedPath(scope, 'audit')}>audit log</Link> shows whether the store verifies again.
                  </p>
                )}
              </Card>
            </>
          );
        }}
      </QueryView>
      <Card title="Deliveries">
        <QueryView query={deliveries}>
          {(list) =>
            list.length === 0 ? (
              <p className="muted">No channel: add one on the Channels page to be notified.</p>
            ) : (
              <ul className="plain-list deliveries">
                {list.map((d) => (
                  <li key={d.id} data-testid="delivery">
                    <p>
                      <strong>{d.channelName}</strong> <span className="muted">({d.channelType})</span>{' '}
                      <span className={`badge badge-${d.state}`}>{d.state}</span>{' '}
                      <span className="muted">
                        {d.attempts} {d.attempts === 1 ? 'attempt' : 'attempts'}
                        {d.deliveredAt ? `, delivered ${formatDateTime(d.deliveredAt)}` : ''}
                      </span>
                    </p>
                    {d.lastError && <p className="field-error">{d.lastError}</p>}
                    {d.log.length > 0 && (
                      <table className="table compact">
                        <caption className="visually-hidden">Attempts to {d.channelName}</caption>
                        <thead>
                          <tr>
                            <th scope="col">#</th>
                            <th scope="col">At (UTC)</th>
                            <th scope="col">Outcome</th>
                            <th scope="col">HTTP</th>
                            <th scope="col">Detail</th>
                          </tr>
                        </thead>
                        <tbody>
                          {d.log.map((attempt) => (
                            <tr key={attempt.attempt}>
                              <td>{attempt.attempt}</td>
                              <td>{formatDateTime(attempt.at).replace(' UTC', '')}</td>
                              <td>{attempt.outcome}</td>
                              <td>{attempt.httpStatus ?? '—'}</td>
                              <td>{[attempt.reason, attempt.detail].filter(Boolean).join(': ') || '—'}</td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    )}
                  </li>
                ))}
              </ul>
            )
          }
        </QueryView>
      </Card>
    </>
  );
}
