import { Link } from 'react-router';
import { atLeast, useRole } from '../../shared/api/tenancy';
import { RequireProject } from '../../shared/layout/RequireProject';
import { scopedPath, useScope } from '../../shared/scope';
import { Card, EmptyState, PageHeader, Snippet } from '../../shared/ui/ui';
import { ProviderKeysSection } from './ProviderKeysSection';
import { RoutesSection } from './RoutesSection';

/**
 * The proxy of one project: how to point an unmodified OpenAI or Anthropic client at it, then what the project's
 * owners and admins configure for it, one section each (its stored provider keys, its routes).
 */
export default function ProxyPage() {
  const scope = useScope();
  const role = useRole(scope.orgId);
  const admin = atLeast(role, 'admin');
  return (
    <>
      <PageHeader
        title="Proxy"
        description="Record every OpenAI or Anthropic call without adding an SDK: point the client you already have at this platform."
      />
      <ConnectClient />
      {role && !admin && <EmptyState title="Only admins and owners see and manage the proxy's provider keys and routes." />}
      {admin && (
        <RequireProject page="proxy">
          {(projectId) => (
            <>
              <ProviderKeysSection projectId={projectId} />
              <RoutesSection key={projectId} projectId={projectId} />
            </>
          )}
        </RequireProject>
      )}
    </>
  );
}

function ConnectClient() {
  const scope = useScope();
  const origin = window.location.origin;
  const openai = `${origin}/proxy/openai/v1`;
  const python = [
    'import os',
    'from openai import OpenAI',
    '',
    'client = OpenAI(',
    `    base_url="${openai}",`,
    '    api_key=os.environ["LLMLAB_API_KEY"],  # an LLMLab key of this project (ingest scope)',
    ')',
  ].join('\n');
  const typescript = [
    "import OpenAI from 'openai';",
    '',
    'const openai = new OpenAI({',
    `  baseURL: '${openai}',`,
    '  apiKey: process.env.LLMLAB_API_KEY, // an LLMLab key of this project (ingest scope)',
    '});',
  ].join('\n');
  const anthropic = [
    'import os',
    'from anthropic import Anthropic',
    '',
    'client = Anthropic(',
    `    base_url="${origin}/proxy/anthropic",`,
    '    api_key=os.environ["LLMLAB_API_KEY"],  # an LLMLab key of this project (ingest scope)',
    ')',
  ].join('\n');
  return (
    <Card title="Connect a client">
      <p>
        Point an unmodified OpenAI client at <code>{openai}</code> (Anthropic: <code>{`${origin}/proxy/anthropic`}</code>) and give it an
        LLMLab API key of this project, with the ingest scope, as its API key. The proxy sends the project&apos;s stored provider key
        upstream in its place and records every call as usage of the project.
      </p>
      <p>
        Create the LLMLab key on the <Link to={scopedPath(scope, 'api-keys')}>API keys</Link> page.
      </p>
      <Snippet label="Python (openai)" code={python} />
      <Snippet label="TypeScript (openai)" code={typescript} />
      <Snippet label="Python (anthropic)" code={anthropic} />
      <p className="muted">
        Optional headers are recorded on each call&apos;s usage: <code>X-LLMLab-Tags: feature=search</code> (what the cost explorer breaks
        down by, and what routes and budgets can be narrowed to), <code>X-LLMLab-User</code> (the end user, kept as an erasable pseudonym),{' '}
        <code>X-LLMLab-Session</code> and <code>X-LLMLab-Trace</code>. Each answer names its usage record in <code>X-LLMLab-Usage-Id</code>;
        a whole answer carries its cost in <code>X-LLMLab-Cost</code>.
      </p>
    </Card>
  );
}
