import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../shared/api/client';
import { unwrap } from '../../shared/api/problem';
import { formatShortDateTime } from '../../shared/dates';
import { scopedPath, useScope } from '../../shared/scope';
import { Card, PageHeader, QueryView, SelectField } from '../../shared/ui/ui';
import { useUrlPatch, useUrlState } from '../../shared/url-state';
import { ALERT_KIND_OPTIONS, alertKind, alertSummary } from './alert-text';

export default function AlertsPage() {
  const scope = useScope();
  const [state] = useUrlState<'' | 'firing' | 'acknowledged' | 'resolved'>('state', '');
  const [kind] = useUrlState('kind', '');
  const patch = useUrlPatch();
  const [cursor, setCursor] = useUrlState('cursor', '');
  const query = { limit: 50, ...(state ? { state } : {}), ...(kind ? { kind: kind as 'threshold' } : {}), ...(cursor ? { cursor } : {}) };
  const alerts = useQuery({
    queryKey: ['alerts', scope.orgId, query],
    queryFn: async () => unwrap(await api.GET('/v1/organizations/{orgId}/alerts', { params: { path: { orgId: scope.orgId }, query } })),
    refetchInterval: 30_000,
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <PageHeader
        title="Alerts"
        description="Every alert the organization's budgets and rules fired, newest first. Each goes to every channel."
      />
      <Card>
        <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
          <SelectField
            label="State"
            value={state}
            onChange={(e) => patch({ state: e.target.value, cursor: '' })}
            options={[
              { value: '', label: 'Any' },
              { value: 'firing', label: 'Firing' },
              { value: 'acknowledged', label: 'Acknowledged' },
              { value: 'resolved', label: 'Resolved' },
            ]}
          />
          <SelectField
            label="Kind"
            value={kind}
            onChange={(e) => patch({ kind: e.target.value, cursor: '' })}
            options={[{ value: '', label: 'Any' }, ...ALERT_KIND_OPTIONS]}
          />
        </form>
      </Card>
      <Card>
        <QueryView query={alerts}>
          {(page) =>
            page.data.length === 0 ? (
              <p className="muted">No alert{state || kind ? ' matches' : ' has fired'}.</p>
            ) : (
              <>
                <div className="table-wrap">
                  <table className="table">
                    <thead>
                      <tr>
                        <th scope="col">Fired (UTC)</th>
                        <th scope="col">Kind</th>
                        <th scope="col">What</th>
                        <th scope="col">Scope</th>
                        <th scope="col">State</th>
                      </tr>
                    </thead>
                    <tbody>
                      {page.data.map((a) => (
                        <tr key={a.id}>
                          <th scope="row" className="nowrap">
                            <Link to={scopedPath(scope, `alerts/${a.id}`)}>{formatShortDateTime(a.firedAt)}</Link>
                          </th>
                          <td>{alertKind(a)}</td>
                          <td>{alertSummary(a)}</td>
                          <td>
                            <span className="truncate">{a.scope.description}</span>
                          </td>
                          <td>
                            <span className={`badge badge-${a.state}`}>{a.state}</span>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                <nav className="pager" aria-label="Pages">
                  <button type="button" className="btn" disabled={!cursor} onClick={() => setCursor('')}>
                    Newest
                  </button>
                  <button type="button" className="btn" disabled={!page.nextCursor} onClick={() => setCursor(page.nextCursor ?? '')}>
                    Older
                  </button>
                </nav>
              </>
            )
          }
        </QueryView>
      </Card>
    </>
  );
}
