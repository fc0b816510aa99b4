import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../shared/api/client';
import { unwrap } from '../../shared/api/problem';
import type { Schemas } from '../../shared/api/schema';
import { atLeast, useRole } from '../../shared/api/tenancy';
import { addDays, formatDateTime } from '../../shared/dates';
import { RequireProject } from '../../shared/layout/RequireProject';
import { useScope } from '../../shared/scope';
import { Card, EmptyState, ErrorNotice, Field, PageHeader, QueryView, SecretOnce, SelectField } from '../../shared/ui/ui';

type Scope = 'ingest' | 'read' | 'admin';
const SCOPES: { value: Scope; label: string }[] = [
  { value: 'ingest', label: 'ingest: send usage' },
  { value: 'read', label: 'read: costs and records of the project' },
  { value: 'admin', label: 'admin: read and ingest' },
];
const EXPIRY = [
  { value: '', label: 'Never' },
  { value: '30', label: 'In 30 days' },
  { value: '90', label: 'In 90 days' },
  { value: '365', label: 'In a year' },
];

export default function ApiKeysPage() {
  const scope = useScope();
  const role = useRole(scope.orgId);
  return (
    <>
      <PageHeader title="API keys" description="Keys send usage and read a project's data. A key is shown once, when it is created." />
      {role && !atLeast(role, 'admin') ? (
        <EmptyState title="Only admins and owners manage API keys." />
      ) : (
        <RequireProject page="api-keys">{(projectId) => <Keys projectId={projectId} />}</RequireProject>
      )}
    </>
  );
}

function Keys({ projectId }: { projectId: string }) {
  const queryClient = useQueryClient();
  const key = ['api-keys', projectId];
  const keys = useQuery({
    queryKey: key,
    queryFn: async () => unwrap(await api.GET('/v1/projects/{projectId}/api-keys', { params: { path: { projectId } } })).data,
  });
  const [created, setCreated] = useState<Schemas['CreatedApiKeyDto'] | null>(null);
  const create = useMutation({
    mutationFn: async (body: Schemas['CreateApiKeyDto']) =>
      unwrap(await api.POST('/v1/projects/{projectId}/api-keys', { params: { path: { projectId } }, body })),
    onSuccess: (answer) => {
      setCreated(answer);
      void queryClient.invalidateQueries({ queryKey: key });
    },
  });
  const revoke = useMutation({
    mutationFn: async (keyId: string) =>
      unwrap(await api.DELETE('/v1/projects/{projectId}/api-keys/{keyId}', { params: { path: { projectId, keyId } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
  });

  return (
    <>
      <Card title="New key">
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            const form = new FormData(e.currentTarget);
            const days = String(form.get('expiry') ?? '');
            create.mutate({
              name: String(form.get('name')).trim(),
              scopes: form.getAll('scopes').map(String) as Scope[],
              ...(days ? { expiresAt: addDays(new Date(), Number(days)).toISOString() } : {}),
            });
          }}
        >
          <Field label="Name" name="name" required maxLength={100} placeholder="production ingest" />
          <fieldset className="checkboxes">
            <legend>Scopes</legend>
            {SCOPES.map((s) => (
              <label key={s.value} className="checkbox">
                <input type="checkbox" name="scopes" value={s.value} defaultChecked={s.value === 'ingest'} /> {s.label}
              </label>
            ))}
          </fieldset>
          <SelectField label="Expires" name="expiry" options={EXPIRY} defaultValue="" />
          <button className="btn btn-primary" type="submit" disabled={create.isPending}>
            Create key
          </button>
        </form>
        {create.isError && <ErrorNotice error={create.error} />}
        {created && <SecretOnce label={`Key “${created.name}” created.`} value={created.key} />}
      </Card>
      <Card title="Keys">
        {revoke.isError && <ErrorNotice error={revoke.error} />}
        <QueryView query={keys}>
          {(list) =>
            list.length === 0 ? (
              <p className="muted">No key yet.</p>
            ) : (
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Prefix</th>
                      <th scope="col">Scopes</th>
                      <th scope="col">Created</th>
                      <th scope="col">Expires</th>
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((k) => (
                      <tr key={k.id}>
                        <th scope="row">
                          <span className="truncate" title={k.name}>
                            {k.name}
                          </span>
                        </th>
                        <td>
                          <code>{k.prefix}</code>
                        </td>
                        <td>{k.scopes.join(', ')}</td>
                        <td>{formatDateTime(k.createdAt)}</td>
                        <td>{k.expiresAt ? formatDateTime(k.expiresAt) : 'never'}</td>
                        <td className="row-actions">
                          {k.revokedAt ? (
                            <span className="badge">revoked</span>
                          ) : (
                            <button
                              type="button"
                              className="btn btn-small btn-danger"
                              aria-label={`Revoke ${k.name}`}
                              onClick={() => window.confirm(`Revoke ${k.name}? It stops working within seconds.`) && revoke.mutate(k.id)}
                            >
                              Revoke
                            </button>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </QueryView>
      </Card>
    </>
  );
}
