import { Link, Navigate } from 'react-router';
import { useMe } from '../api/tenancy';
import { lastScope, scopedPath } from '../scope';
import { ErrorNotice, Loading } from '../ui/ui';

/** `/`: the organization (and project) chosen last, or the first one the user belongs to. */
export function HomeRedirect() {
  const me = useMe();
  if (me.isPending) return <Loading />;
  if (me.isError) return <ErrorNotice error={me.error} />;
  const memberships = me.data.memberships ?? [];
  const last = lastScope();
  const scope = last && memberships.some((m) => m.organizationId === last.orgId) ? last : undefined;
  const orgId = scope?.orgId ?? memberships[0]?.organizationId;
  if (!orgId) return <p className="page">You belong to no organization yet. Ask an owner for an invitation.</p>;
  return <Navigate to={scopedPath({ orgId, projectId: scope?.projectId ?? null }, 'overview')} replace />;
}

export function NotFound() {
  return (
    <main className="page" id="main">
      <h1>Page not found</h1>
      <p>
        <Link to="/">Back to the dashboard</Link>
      </p>
    </main>
  );
}
