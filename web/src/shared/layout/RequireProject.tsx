import type { ReactNode } from 'react';
import { Link, useNavigate } from 'react-router';
import { useProjects } from '../api/tenancy';
import { scopedPath, useScope } from '../scope';
import { EmptyState, Loading } from '../ui/ui';

/** A page about one project: without one chosen in the switcher, it asks which. */
export function RequireProject({ page, children }: { page: string; children: (projectId: string) => ReactNode }) {
  const scope = useScope();
  const projects = useProjects(scope.orgId);
  const navigate = useNavigate();
  if (scope.projectId) return <>{children(scope.projectId)}</>;
  if (projects.isPending) return <Loading />;
  const live = (projects.data ?? []).filter((p) => !p.archivedAt);
  return (
    <EmptyState title="Choose a project">
      {live.length === 0 ? (
        <p>
          This organization has no project yet. <Link to={scopedPath(scope, 'projects')}>Create one</Link>.
        </p>
      ) : (
        <ul className="link-list">
          {live.map((p) => (
            <li key={p.id}>
              <button type="button" className="btn-link" onClick={() => navigate(scopedPath({ ...scope, projectId: p.id }, page))}>
                {p.name}
              </button>
            </li>
          ))}
        </ul>
      )}
    </EmptyState>
  );
}
