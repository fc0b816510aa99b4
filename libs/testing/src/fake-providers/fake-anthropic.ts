import type { IncomingMessage } from 'node:http';
import { FakeProviderServer, jsonString, type FakeCostRow, type FakeUsageRow } from './fake-provider-server';

const instant = (ms: number) => new Date(ms).toISOString().replace('.000', '');

/** A time bucket of one UTC day: `starting_at`, `ending_at` (exclusive) and its `results`. */
const bucket = (day: string, results: string[]) => {
  const start = Date.parse(`${day}T00:00:00Z`);
  return `{"starting_at":"${instant(start)}","ending_at":"${instant(start + 86_400_000)}","results":[${results.join(',')}]}`;
};

/** A cost report result grouped by workspace and description: `amount` is the decimal string in cents given. */
const costResult = (row: FakeCostRow) =>
  `{"currency":"USD","amount":${JSON.stringify(row.amount)},"workspace_id":${jsonString(row.project)},"description":${jsonString(row.lineItem)},"cost_type":"tokens","context_window":null,"model":${jsonString(row.model ?? null)},"service_tier":null,"token_type":null}`;

/** A messages usage result grouped by model and workspace: cache reads are counted apart from uncached input. */
const usageResult = (row: FakeUsageRow) =>
  JSON.stringify({
    uncached_input_tokens: row.inputTokens - row.cachedInputTokens,
    cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
    cache_read_input_tokens: row.cachedInputTokens,
    output_tokens: row.outputTokens,
    server_tool_use: { web_search_requests: 0 },
    api_key_id: null,
    workspace_id: row.project,
    model: row.model,
    service_tier: null,
    context_window: null,
  });

/**
 * Anthropic's Admin API as a local server: `x-api-key` + `anthropic-version` required,
 * `GET /v1/organizations/cost_report` (`amount`: the decimal string in cents given), `/v1/organizations/usage_report/
 * messages`, `/v1/organizations/workspaces` for the key check. One bucket per day, empty ones included; `limit` day
 * buckets per page as documented for daily buckets (1 to 31, 7 when absent).
 */
export class FakeAnthropicServer extends FakeProviderServer {
  protected authorized(req: IncomingMessage): boolean {
    const key = req.headers['x-api-key'];
    return typeof key === 'string' && this.adminKeys.has(key) && typeof req.headers['anthropic-version'] === 'string';
  }

  protected route(path: string, query: URLSearchParams) {
    if (path === '/v1/organizations/workspaces') return 'validate' as const;
    const days = () =>
      FakeProviderServer.days(new Date(query.get('starting_at') ?? ''), new Date(query.get('ending_at') ?? query.get('starting_at') ?? ''));
    if (path === '/v1/organizations/cost_report') return this.report(days(), 31, this.costs, costResult, bucket);
    if (path === '/v1/organizations/usage_report/messages') return this.report(days(), 31, this.usage, usageResult, bucket);
    return null;
  }

  protected page(data: string, hasMore: boolean, next: string | null): string {
    return `{"data":${data},"has_more":${hasMore},"next_page":${jsonString(next)}}`;
  }
}
