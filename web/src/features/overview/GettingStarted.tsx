import { useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../shared/api/client';
import { unwrap } from '../../shared/api/problem';
import { atLeast, tenancyKeys, useProjects, useRole } from '../../shared/api/tenancy';
import { scopedPath, type Scope } from '../../shared/scope';
import { ErrorNotice, Field, Loading, PageHeader, SecretOnce, Snippet } from '../../shared/ui/ui';

/**
 * What a new user sees before the first event: make a project, make a key, send one event (curl or the SDK, with
 * this platform's address and the project's id). The overview polls and replaces this as soon as the event lands.
 */
export function GettingStarted({ scope }: { scope: Scope }) {
  const projects = useProjects(scope.orgId);
  if (projects.isPending) return <Loading />;
  const live = (projects.data ?? []).filter((p) => !p.archivedAt);
  const project = live.find((p) => p.id === scope.projectId);
  return (
    <>
      <PageHeader
        title="Send your first event"
        description="No usage has arrived yet. Three steps and this page turns into your overview."
      />
      <ol className="steps">
        <li className="card step" data-done={live.length > 0 || undefined}>
          <h2>1. A project</h2>
          {project ? (
            <p>
              Usage will go to <strong>{project.name}</strong> (<code>{project.id}</code>).
            </p>
          ) : live.length > 0 ? (
            <ChooseProject scope={scope} projects={live} />
          ) : (
            <CreateFirstProject scope={scope} />
          )}
        </li>
        {project && <KeyAndEvent scope={scope} projectId={project.id} />}
      </ol>
      <p className="muted" role="status">
        Waiting for the first event… this page checks every few seconds.
      </p>
    </>
  );
}

function ChooseProject({ scope, projects }: { scope: Scope; projects: { id: string; name: string }[] }) {
  const navigate = useNavigate();
  return (
    <>
      <p>Which project will send usage?</p>
      <ul className="link-list">
        {projects.map((p) => (
          <li key={p.id}>
            <button type="button" className="btn" onClick={() => navigate(scopedPath({ ...scope, projectId: p.id }, 'overview'))}>
              {p.name}
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}

function CreateFirstProject({ scope }: { scope: Scope }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const role = useRole(scope.orgId);
  const create = useMutation({
    mutationFn: async (name: string) =>
      unwrap(await api.POST('/v1/organizations/{orgId}/projects', { params: { path: { orgId: scope.orgId } }, body: { name } })),
    onSuccess: async (project) => {
      await queryClient.invalidateQueries({ queryKey: tenancyKeys.projects(scope.orgId) });
      void navigate(scopedPath({ ...scope, projectId: project.id }, 'overview'));
    },
  });
  if (!atLeast(role, 'admin')) return <p>Ask an admin of this organization to create a project.</p>;
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate(String(new FormData(e.currentTarget).get('name')).trim());
      }}
    >
      {create.isError && <ErrorNotice error={create.error} />}
      <Field label="Project name" name="name" required maxLength={100} defaultValue="My first project" />
      <button className="btn btn-primary" type="submit" disabled={create.isPending}>
        Create project
      </button>
    </form>
  );
}

function KeyAndEvent({ scope, projectId }: { scope: Scope; projectId: string }) {
  const role = useRole(scope.orgId);
  const [key, setKey] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/v1/projects/{projectId}/api-keys', {
          params: { path: { projectId } },
          body: { name: 'First key', scopes: ['ingest', 'read'] },
        }),
      ),
    onSuccess: (created) => setKey(created.key),
  });
  const origin = location.origin;
  const secret = key ?? '$LLMLAB_API_KEY';
  const event = useMemo(
    () => ({
      id: crypto.randomUUID(),
      timestamp: new Date().toISOString(),
      provider: 'openai',
      model: 'gpt-4o-mini',
      usage: { inputTokens: 1200, outputTokens: 300 },
      latencyMs: 850,
      status: 'success',
      tags: { feature: 'getting-started' },
    }),
    [],
  );
  const curl = `curl -X POST ${origin}/v1/usage \\\n  -H "Authorization: Bearer ${secret}" \\\n  -H "Content-Type: application/json" \\\n  -d '${JSON.stringify({ events: [event] })}'`;
  const check = `curl ${origin}/v1/projects/${projectId}/costs/summary \\\n  -H "Authorization: Bearer ${secret}"`;
  const install = `npm install ${origin}/sdk/llmlab-sdk.tgz openai`;
  const sdk = `import OpenAI from 'openai';
import { LLMLab } from '@llmlab/sdk';

// Project ${projectId}
const llmlab = new LLMLab({ apiKey: process.env.LLMLAB_API_KEY!, baseUrl: '${origin}' });
const openai = llmlab.instrument(new OpenAI());

await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
await llmlab.shutdown();`;

  return (
    <>
      <li className="card step" data-done={key ? true : undefined}>
        <h2>2. An API key</h2>
        {key ? (
          <SecretOnce label="Your API key (scopes: ingest, read)." value={key} />
        ) : atLeast(role, 'admin') ? (
          <>
            <p>
              A key with the <code>ingest</code> and <code>read</code> scopes for this project. You can manage keys later on{' '}
              <Link to={scopedPath(scope, 'api-keys')}>API keys</Link>.
            </p>
            {create.isError && <ErrorNotice error={create.error} />}
            <button type="button" className="btn btn-primary" onClick={() => create.mutate()} disabled={create.isPending}>
              Create an API key
            </button>
          </>
        ) : (
          <p>Ask an admin of this organization for an API key of this project.</p>
        )}
      </li>
      <li className="card step">
        <h2>3. One event</h2>
        <p>From a terminal (the key goes in the header; the event’s id makes a resend count once):</p>
        <Snippet label="curl: send one event" code={curl} />
        <p>Then check what it cost (the project’s id is in the path):</p>
        <Snippet label="curl: read the cost" code={check} />
        <p>Or from your application, with the SDK this platform serves (every OpenAI or Anthropic call is recorded):</p>
        <Snippet label="npm: install the SDK" code={install} />
        <Snippet label="TypeScript: the SDK" code={sdk} />
      </li>
    </>
  );
}
