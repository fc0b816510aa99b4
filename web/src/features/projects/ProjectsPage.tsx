import { useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../shared/api/client';
import { unwrap } from '../../shared/api/problem';
import { atLeast, tenancyKeys, useProjects, useRole } from '../../shared/api/tenancy';
import { formatDateTime } from '../../shared/dates';
import { scopedPath, useScope } from '../../shared/scope';
import { Card, ErrorNotice, Field, PageHeader, QueryView } from '../../shared/ui/ui';

export default function ProjectsPage() {
  const scope = useScope();
  const queryClient = useQueryClient();
  const role = useRole(scope.orgId);
  const projects = useProjects(scope.orgId);
  const [showArchived, setShowArchived] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: tenancyKeys.projects(scope.orgId) });
  const create = useMutation({
    mutationFn: async (body: { name: string; description?: string }) =>
      unwrap(await api.POST('/v1/organizations/{orgId}/projects', { params: { path: { orgId: scope.orgId } }, body })),
    onSuccess: refresh,
  });
  const archive = useMutation({
    mutationFn: async (projectId: string) => unwrap(await api.DELETE('/v1/projects/{projectId}', { params: { path: { projectId } } })),
    onSuccess: refresh,
  });
  const admin = atLeast(role, 'admin');

  return (
    <>
      <PageHeader title="Projects" description="Usage, keys and costs belong to a project; budgets and alerts to the organization." />
      {admin && (
        <Card title="New project">
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              const form = new FormData(e.currentTarget);
              const description = String(form.get('description') ?? '').trim();
              create.mutate(
                { name: String(form.get('name')).trim(), ...(description ? { description } : {}) },
                { onSuccess: () => (e.target as HTMLFormElement).reset() },
              );
            }}
          >
            <Field label="Name" name="name" required maxLength={100} />
            <Field label="Description" name="description" maxLength={500} />
            <button className="btn btn-primary" type="submit" disabled={create.isPending}>
              Create project
            </button>
          </form>
          {create.isError && <ErrorNotice error={create.error} />}
        </Card>
      )}
      <Card
        title="Projects"
        actions={
          <label className="checkbox">
            <input type="checkbox" checked={showArchived} onChange={(e) => setShowArchived(e.target.checked)} /> Show archived
          </label>
        }
      >
        {archive.isError && <ErrorNotice error={archive.error} />}
        <QueryView query={projects}>
          {(list) => {
            const shown = list.filter((p) => showArchived || !p.archivedAt);
            if (shown.length === 0) return <p className="muted">No project yet.</p>;
            return (
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Id</th>
                      <th scope="col">Created</th>
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {shown.map((p) => (
                      <tr key={p.id}>
                        <th scope="row">
                          <Link to={scopedPath({ orgId: scope.orgId, projectId: p.id }, 'overview')} className="truncate" title={p.name}>
                            {p.name}
                          </Link>
                          {p.description && <div className="muted small truncate">{p.description}</div>}
                        </th>
                        <td>
                          <code className="small">{p.id}</code>
                        </td>
                        <td>{formatDateTime(p.createdAt)}</td>
                        <td className="row-actions">
                          {p.archivedAt ? (
                            <span className="badge">archived</span>
                          ) : (
                            admin && (
                              <>
                                <Link className="btn btn-small" to={scopedPath({ orgId: scope.orgId, projectId: p.id }, 'api-keys')}>
                                  API keys
                                </Link>
                                <button
                                  type="button"
                                  className="btn btn-small btn-danger"
                                  onClick={() => window.confirm(`Archive ${p.name}? Its keys stop working.`) && archive.mutate(p.id)}
                                >
                                  Archive
                                </button>
                              </>
                            )
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            );
          }}
        </QueryView>
      </Card>
    </>
  );
}
