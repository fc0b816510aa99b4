import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../shared/api/client';
import { unwrap } from '../../shared/api/problem';
import type { Schemas } from '../../shared/api/schema';
import { atLeast, useMe, useRole } from '../../shared/api/tenancy';
import { formatDateTime } from '../../shared/dates';
import { useScope } from '../../shared/scope';
import { Card, ErrorNotice, Field, PageHeader, QueryView, SelectField } from '../../shared/ui/ui';

type Role = Schemas['MemberDto']['role'];
const ROLES: { value: Role; label: string }[] = [
  { value: 'viewer', label: 'Viewer' },
  { value: 'member', label: 'Member' },
  { value: 'admin', label: 'Admin' },
  { value: 'owner', label: 'Owner' },
];

export default function MembersPage() {
  const { orgId } = useScope();
  const queryClient = useQueryClient();
  const role = useRole(orgId);
  const me = useMe();
  const key = ['members', orgId];
  const members = useQuery({
    queryKey: key,
    queryFn: async () => unwrap(await api.GET('/v1/organizations/{orgId}/members', { params: { path: { orgId } } })),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: key });
  const invite = useMutation({
    mutationFn: async (body: Schemas['CreateInvitationDto']) =>
      unwrap(await api.POST('/v1/organizations/{orgId}/invitations', { params: { path: { orgId } }, body })),
    onSuccess: refresh,
  });
  const revoke = useMutation({
    mutationFn: async (invitationId: string) =>
      unwrap(await api.DELETE('/v1/organizations/{orgId}/invitations/{invitationId}', { params: { path: { orgId, invitationId } } })),
    onSuccess: refresh,
  });
  const change = useMutation({
    mutationFn: async ({ userId, role: next }: { userId: string; role: Role }) =>
      unwrap(await api.PATCH('/v1/organizations/{orgId}/members/{userId}', { params: { path: { orgId, userId } }, body: { role: next } })),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: async (userId: string) =>
      unwrap(await api.DELETE('/v1/organizations/{orgId}/members/{userId}', { params: { path: { orgId, userId } } })),
    onSuccess: refresh,
  });
  const admin = atLeast(role, 'admin');
  // Only owners grant or take the owner role.
  const grantable = ROLES.filter((r) => r.value !== 'owner' || role === 'owner');

  return (
    <>
      <PageHeader
        title="Members and roles"
        description="Viewers read; members also manage budgets; admins manage projects, keys, channels and members; owners everything."
      />
      {admin && (
        <Card title="Invite">
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              const form = new FormData(e.currentTarget);
              invite.mutate(
                { email: String(form.get('email')).trim(), role: String(form.get('role')) as Role },
                { onSuccess: () => (e.target as HTMLFormElement).reset() },
              );
            }}
          >
            <Field label="Email" name="email" type="email" required maxLength={254} />
            <SelectField label="Role" name="role" options={grantable} defaultValue="member" />
            <button className="btn btn-primary" type="submit" disabled={invite.isPending}>
              Invite
            </button>
          </form>
          {invite.isError && <ErrorNotice error={invite.error} />}
          {invite.data && (
            <p role="status" className="muted">
              Invitation mailed to {invite.data.email}: they join as {invite.data.role} by opening its link (it works once).
            </p>
          )}
        </Card>
      )}
      {(change.isError || remove.isError || revoke.isError) && <ErrorNotice error={change.error ?? remove.error ?? revoke.error} />}
      <QueryView query={members}>
        {(list) => (
          <>
            <Card title={`Members (${list.data.length})`}>
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Email</th>
                      <th scope="col">Role</th>
                      <th scope="col">Joined</th>
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.data.map((m) => {
                      const self = m.userId === me.data?.user?.id;
                      const editable = admin && !self && (m.role !== 'owner' || role === 'owner');
                      return (
                        <tr key={m.userId}>
                          <th scope="row">
                            <span className="truncate" title={m.name}>
                              {m.name}
                            </span>
                            {self && <span className="badge">you</span>}
                          </th>
                          <td>
                            <span className="truncate">{m.email}</span>
                          </td>
                          <td>
                            {editable ? (
                              <select
                                aria-label={`Role of ${m.name}`}
                                value={m.role}
                                onChange={(e) => change.mutate({ userId: m.userId, role: e.target.value as Role })}
                              >
                                {grantable.map((r) => (
                                  <option key={r.value} value={r.value}>
                                    {r.label}
                                  </option>
                                ))}
                              </select>
                            ) : (
                              m.role
                            )}
                          </td>
                          <td>{formatDateTime(m.joinedAt)}</td>
                          <td className="row-actions">
                            {editable && (
                              <button
                                type="button"
                                className="btn btn-small btn-danger"
                                onClick={() => window.confirm(`Remove ${m.name} from the organization?`) && remove.mutate(m.userId)}
                              >
                                Remove
                              </button>
                            )}
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            </Card>
            {list.invitations.length > 0 && (
              <Card title="Pending invitations">
                <ul className="plain-list">
                  {list.invitations.map((i) => (
                    <li key={i.invitationId}>
                      <span className="truncate">{i.email}</span>{' '}
                      <span className="muted">
                        as {i.role}, {formatDateTime(i.invitedAt)}
                      </span>{' '}
                      {admin && (
                        <button
                          type="button"
                          className="btn btn-small"
                          aria-label={`Revoke the invitation of ${i.email}`}
                          onClick={() => revoke.mutate(i.invitationId)}
                        >
                          Revoke
                        </button>
                      )}
                    </li>
                  ))}
                </ul>
              </Card>
            )}
          </>
        )}
      </QueryView>
    </>
  );
}
