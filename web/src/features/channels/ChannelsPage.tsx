import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../shared/api/client';
import { unwrap } from '../../shared/api/problem';
import type { Schemas } from '../../shared/api/schema';
import { atLeast, useRole } from '../../shared/api/tenancy';
import { formatDateTime } from '../../shared/dates';
import { useScope } from '../../shared/scope';
import { Card, EmptyState, ErrorNotice, Field, PageHeader, QueryView, SecretOnce, SelectField } from '../../shared/ui/ui';

type ChannelType = Schemas['CreateChannelDto']['type'];
const URL_HINTS: Record<ChannelType, string> = {
  slack: 'A Slack incoming webhook: https://hooks.slack.com/services/…',
  discord: 'A Discord webhook: https://discord.com/api/webhooks/…',
  webhook: 'Any HTTPS endpoint of yours; every request is signed (HMAC-SHA256 with a timestamp).',
};

export default function ChannelsPage() {
  const { orgId } = useScope();
  const role = useRole(orgId);
  const queryClient = useQueryClient();
  const key = ['channels', orgId];
  const [type, setType] = useState<ChannelType>('slack');
  const [tested, setTested] = useState<Record<string, Schemas['ChannelTestResultDto'] | Error>>({});
  const channels = useQuery({
    queryKey: key,
    queryFn: async () => unwrap(await api.GET('/v1/organizations/{orgId}/channels', { params: { path: { orgId } } })).data,
  });
  const create = useMutation({
    mutationFn: async (body: Schemas['CreateChannelDto']) =>
      unwrap(await api.POST('/v1/organizations/{orgId}/channels', { params: { path: { orgId } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
  });
  const test = useMutation({
    mutationFn: async (channelId: string) => unwrap(await api.POST('/v1/channels/{channelId}/test', { params: { path: { channelId } } })),
    onSettled: (result, error, channelId) => setTested((t) => ({ ...t, [channelId]: result ?? (error as Error) })),
  });
  const remove = useMutation({
    mutationFn: async (channelId: string) => unwrap(await api.DELETE('/v1/channels/{channelId}', { params: { path: { channelId } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
  });
  const admin = atLeast(role, 'admin');

  return (
    <>
      <PageHeader title="Channels" description="Where alerts go: Slack, Discord, or a signed webhook. Every alert goes to every channel." />
      {role && !admin && <EmptyState title="Only admins and owners add and remove channels." />}
      {admin && (
        <Card title="Add a channel">
          <form
            className="form-grid"
            onSubmit={(e) => {
              e.preventDefault();
              const form = new FormData(e.currentTarget);
              create.mutate(
                { type, name: String(form.get('name')).trim(), config: { url: String(form.get('url')).trim() } },
                { onSuccess: () => (e.target as HTMLFormElement).reset() },
              );
            }}
          >
            <SelectField
              label="Type"
              value={type}
              onChange={(e) => setType(e.target.value as ChannelType)}
              options={[
                { value: 'slack', label: 'Slack' },
                { value: 'discord', label: 'Discord' },
                { value: 'webhook', label: 'Signed webhook' },
              ]}
            />
            <Field label="Name" name="name" required maxLength={100} />
            <Field label="URL" name="url" type="url" required hint={URL_HINTS[type]} />
            <div className="form-actions">
              <button className="btn btn-primary" type="submit" disabled={create.isPending}>
                Add channel
              </button>
            </div>
          </form>
          {create.isError && <ErrorNotice error={create.error} />}
          {create.data?.signingSecret && (
            <SecretOnce
              label={`Signing secret of “${create.data.name}”.`}
              value={create.data.signingSecret}
              note="Your endpoint checks each request's signature with it. It is shown this once."
            />
          )}
        </Card>
      )}
      {remove.isError && <ErrorNotice error={remove.error} />}
      <Card title="Channels">
        <QueryView query={channels}>
          {(list) =>
            list.length === 0 ? (
              <p className="muted">No channel yet: alerts are listed on the Alerts page only.</p>
            ) : (
              <ul className="plain-list">
                {list.map((c) => {
                  const result = tested[c.id];
                  return (
                    <li key={c.id} className="channel">
                      <div>
                        <strong className="truncate">{c.name}</strong> <span className="badge">{c.type}</span>
                        <div className="muted small truncate">
                          {c.description} · added {formatDateTime(c.createdAt)}
                        </div>
                        <div role="status" className="small">
                          {result instanceof Error
                            ? `Test failed: ${result.message}`
                            : result
                              ? `Test ${result.outcome}${result.httpStatus ? ` (HTTP ${result.httpStatus})` : ''}${result.reason ? `: ${result.reason}` : ''} in ${result.durationMs} ms`
                              : ''}
                        </div>
                      </div>
                      {admin && (
                        <div className="row-actions">
                          <button type="button" className="btn btn-small" onClick={() => test.mutate(c.id)} disabled={test.isPending}>
                            Send a test
                          </button>
                          <button
                            type="button"
                            className="btn btn-small btn-danger"
                            onClick={() => window.confirm(`Remove the channel ${c.name}?`) && remove.mutate(c.id)}
                          >
                            Remove
                          </button>
                        </div>
                      )}
                    </li>
                  );
                })}
              </ul>
            )
          }
        </QueryView>
      </Card>
    </>
  );
}
