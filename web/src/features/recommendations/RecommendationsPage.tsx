import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../shared/api/client';
import { unwrap } from '../../shared/api/problem';
import type { Schemas } from '../../shared/api/schema';
import { atLeast, useRole } from '../../shared/api/tenancy';
import { formatShortDateTime } from '../../shared/dates';
import { formatMoney } from '../../shared/money';
import { useScope } from '../../shared/scope';
import { Card, EmptyState, ErrorNotice, PageHeader, QueryView, SelectField } from '../../shared/ui/ui';
import { useUrlPatch, useUrlState } from '../../shared/url-state';
import { figureLabel, figureText, RECOMMENDATION_KIND_OPTIONS, recommendationKind, scopeText } from './recommendation-text';
import { WhatIfPanel } from './WhatIfPanel';

type Recommendation = Schemas['RecommendationDto'];
type Status = '' | Recommendation['status'];

/** What to change to spend less, with the money: the organization's, or the chosen project's, largest savings first. */
export default function RecommendationsPage() {
  const scope = useScope();
  const role = useRole(scope.orgId);
  const queryClient = useQueryClient();
  const [status] = useUrlState<Status>('status', 'open');
  const [kind] = useUrlState('kind', '');
  const [cursor, setCursor] = useUrlState('cursor', '');
  const patch = useUrlPatch();
  const query = {
    limit: 50,
    ...(status ? { status } : {}),
    ...(kind ? { kind: kind as Recommendation['kind'] } : {}),
    ...(cursor ? { cursor } : {}),
  };
  const list = useQuery({
    queryKey: ['recommendations', scope.orgId, scope.projectId, query],
    queryFn: async () =>
      unwrap(
        scope.projectId
          ? await api.GET('/v1/projects/{projectId}/recommendations', { params: { path: { projectId: scope.projectId }, query } })
          : await api.GET('/v1/organizations/{orgId}/recommendations', { params: { path: { orgId: scope.orgId }, query } }),
      ),
    placeholderData: keepPreviousData,
  });
  const invalidate = () => queryClient.invalidateQueries({ queryKey: ['recommendations'] });
  const refresh = useMutation({
    mutationFn: async (projectId: string) =>
      unwrap(await api.POST('/v1/projects/{projectId}/recommendations/refresh', { params: { path: { projectId } } })),
    onSuccess: invalidate,
  });
  const canDecide = atLeast(role, 'member');
  // Applying sets a proxy route: where the project's spend goes is for owners and admins.
  const canApply = atLeast(role, 'admin');

  return (
    <>
      <PageHeader
        title="Recommendations"
        description={
          'What to change to spend less, largest estimated monthly savings first. Estimates reprice the observed traffic ' +
          'exactly and scale it to 30 days; check quality before switching. Amounts in USD.'
        }
        actions={
          scope.projectId &&
          canDecide && (
            <button type="button" className="btn" onClick={() => refresh.mutate(scope.projectId as string)} disabled={refresh.isPending}>
              {refresh.isPending ? 'Evaluating…' : 'Evaluate now'}
            </button>
          )
        }
      />
      {refresh.isError && <ErrorNotice error={refresh.error} />}
      {refresh.data && (
        <p className="notice" role="status">
          Evaluated: {refresh.data.opened} new, {refresh.data.updated} updated, {refresh.data.resolved} resolved; {refresh.data.open} open.
        </p>
      )}
      <Card>
        <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
          <SelectField
            label="Status"
            value={status}
            onChange={(e) => patch({ status: e.target.value, cursor: '' })}
            options={[
              { value: 'open', label: 'Open' },
              { value: 'accepted', label: 'Accepted' },
              { value: 'dismissed', label: 'Dismissed' },
              { value: 'resolved', label: 'Resolved' },
              { value: '', label: 'Any' },
            ]}
          />
          <SelectField
            label="Kind"
            value={kind}
            onChange={(e) => patch({ kind: e.target.value, cursor: '' })}
            options={[{ value: '', label: 'Any' }, ...RECOMMENDATION_KIND_OPTIONS]}
          />
        </form>
      </Card>
      <QueryView query={list}>
        {(page) =>
          page.data.length === 0 ? (
            <EmptyState title={status === 'open' ? 'Nothing to change right now' : 'No recommendation matches'}>
              Recommendations come from the last 14 days of traffic, evaluated every hour.
            </EmptyState>
          ) : (
            <>
              <ul className="recommendations" aria-label="Recommendations">
                {page.data.map((r) => (
                  <RecommendationCard key={r.id} recommendation={r} canDecide={canDecide} canApply={canApply} onDecided={invalidate} />
                ))}
              </ul>
              <nav className="pager" aria-label="Pages">
                <button type="button" className="btn" disabled={!cursor} onClick={() => setCursor('')}>
                  First
                </button>
                <button type="button" className="btn" disabled={!page.nextCursor} onClick={() => setCursor(page.nextCursor ?? '')}>
                  Next
                </button>
              </nav>
            </>
          )
        }
      </QueryView>
      <WhatIfPanel scope={scope} />
    </>
  );
}

function RecommendationCard({
  recommendation: r,
  canDecide,
  canApply,
  onDecided,
}: {
  recommendation: Recommendation;
  canDecide: boolean;
  canApply: boolean;
  onDecided: () => void;
}) {
  const decide = useMutation({
    mutationFn: async (action: 'accept' | 'apply' | 'dismiss') => {
      const params = { params: { path: { recommendationId: r.id } } };
      if (action === 'accept') return unwrap(await api.POST('/v1/recommendations/{recommendationId}/accept', params));
      if (action === 'apply') return unwrap(await api.POST('/v1/recommendations/{recommendationId}/apply', params));
      return unwrap(await api.POST('/v1/recommendations/{recommendationId}/dismiss', { ...params, body: { reason: null } }));
    },
    onSuccess: onDecided,
  });
  const applicable = r.kind === 'model_rightsizing' && r.target !== null && r.scope.model !== null && !r.appliedRoute;
  const figures = Object.entries(r.evidence.figures);
  return (
    <li className="card recommendation" aria-labelledby={`rec-${r.id}`}>
      <div className="recommendation-head">
        <div>
          <span className="badge">{recommendationKind(r)}</span>
          <span className={`badge badge-${r.status}`}>{r.status}</span>
          <h2 id={`rec-${r.id}`}>{r.title}</h2>
          <p className="muted">{scopeText(r)}</p>
        </div>
        <div className="recommendation-savings">
          <span className="muted">Estimated monthly savings</span>
          <strong>{r.estimatedMonthlySavings ? formatMoney(r.estimatedMonthlySavings) : 'unknown'}</strong>
          <span className="muted">{r.confidence} confidence</span>
        </div>
      </div>
      <p>{r.change}</p>
      <dl className="kv">
        <div>
          <dt>Observed</dt>
          <dd>
            {r.evidence.window.from} to {r.evidence.window.to} (UTC, end excluded)
          </dd>
        </div>
        {figures.map(([name, value]) => (
          <div key={name}>
            <dt>{figureLabel(name)}</dt>
            <dd>{figureText(name, value)}</dd>
          </div>
        ))}
      </dl>
      {r.realizedSavings && (
        <p className="notice" role="note">
          Saved since accepted ({r.realizedSavings.window.from} to {r.realizedSavings.window.to}, UTC):{' '}
          <strong>{formatMoney(r.realizedSavings.saved)}</strong> — {formatMoney(r.realizedSavings.actual)} instead of{' '}
          {formatMoney(r.realizedSavings.baseline)}, {r.realizedSavings.method}.
        </p>
      )}
      {r.appliedRoute && (
        <p className="muted">
          Applied as a proxy route {formatShortDateTime(r.appliedRoute.appliedAt)}: calls through the proxy for {r.scope.model}
          {r.scope.feature !== null ? ` tagged feature=${r.scope.feature || '(none)'}` : ''} go to {r.target?.model}; savings are measured
          on that route’s calls (Proxy page).
        </p>
      )}
      {r.caveats.length > 0 && (
        <ul className="caveats">
          {r.caveats.map((c) => (
            <li key={c}>{c}</li>
          ))}
        </ul>
      )}
      <div className="recommendation-actions">
        <span className="muted">
          {r.status === 'accepted' && r.acceptedAt
            ? `Accepted ${formatShortDateTime(r.acceptedAt)}`
            : `Since ${formatShortDateTime(r.openedAt)}`}
        </span>
        {canDecide && (r.status === 'open' || r.status === 'dismissed') && (
          <button type="button" className="btn btn-primary" onClick={() => decide.mutate('accept')} disabled={decide.isPending}>
            Accept
          </button>
        )}
        {canApply && applicable && r.status !== 'resolved' && (
          <button
            type="button"
            className="btn"
            onClick={() => decide.mutate('apply')}
            disabled={decide.isPending}
            title="Accept, and set the proxy route that sends these calls to the cheaper model"
          >
            Apply as proxy route
          </button>
        )}
        {canDecide && (r.status === 'open' || r.status === 'accepted') && (
          <button type="button" className="btn" onClick={() => decide.mutate('dismiss')} disabled={decide.isPending}>
            Dismiss
          </button>
        )}
      </div>
      {decide.isError && <ErrorNotice error={decide.error} />}
    </li>
  );
}
