import type { IncomingMessage } from 'node:http';
import { FakeProviderServer, jsonString, type FakeCostRow, type FakeUsageRow } from './fake-provider-server';

const unix = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;

/** A time bucket of one UTC day (unix seconds) and its `results`. */
const bucket = (day: string, results: string[]) =>
  `{"object":"bucket","start_time":${unix(day)},"end_time":${unix(day) + 86400},"results":[${results.join(',')}]}`;

/** A costs result grouped by project and line item: `amount.value` is the raw JSON number given. */
const costResult = (row: FakeCostRow) =>
  `{"object":"organization.costs.result","amount":{"value":${row.amount},"currency":"usd"},"line_item":${jsonString(row.lineItem)},"project_id":${jsonString(row.project)},"organization_id":"org-fake"}`;

const usageResult = (kind: string) => (row: FakeUsageRow) =>
  JSON.stringify({
    object: `organization.usage.${kind}.result`,
    input_tokens: row.inputTokens,
    ...(kind === 'completions' ? { output_tokens: row.outputTokens, input_cached_tokens: row.cachedInputTokens } : {}),
    num_model_requests: row.requests,
    project_id: row.project,
    model: row.model,
    user_id: null,
    api_key_id: null,
  });

/**
 * OpenAI's organization Costs and Usage APIs as a local server: `Authorization: Bearer <admin key>`,
 * `GET /v1/organization/costs` (`amount.value` written as the raw JSON number given), `/v1/organization/usage/
 * completions|embeddings`, `/v1/organization/projects` for the key check. One bucket per day, empty ones included;
 * `limit` day buckets per page as documented (costs: 1 to 180, usage: 1 to 31 for daily buckets; 7 when absent).
 */
export class FakeOpenAiServer extends FakeProviderServer {
  protected authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    return header.startsWith('Bearer ') && this.adminKeys.has(header.slice('Bearer '.length));
  }

  protected route(path: string, query: URLSearchParams) {
    if (path === '/v1/organization/projects') return 'validate' as const;
    const days = () =>
      FakeProviderServer.days(
        new Date(Number(query.get('start_time')) * 1000),
        new Date(Number(query.get('end_time') ?? query.get('start_time')) * 1000),
      );
    if (path === '/v1/organization/costs') return this.report(days(), 180, this.costs, costResult, bucket);
    const usage = /^\/v1\/organization\/usage\/(completions|embeddings)$/.exec(path);
    if (usage) {
      const kind = usage[1];
      return this.report(
        days(),
        31,
        this.usage.filter((row) => row.kind === kind),
        usageResult(kind),
        bucket,
      );
    }
    return null;
  }

  protected page(data: string, hasMore: boolean, next: string | null): string {
    return `{"object":"page","data":${data},"has_more":${hasMore},"next_page":${jsonString(next)}}`;
  }
}
