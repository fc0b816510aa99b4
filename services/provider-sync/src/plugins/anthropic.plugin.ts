import { Money } from '@llmlab/domain';
import { checkAdminKey, cursorPages, type AdminEndpoint } from './admin-api';
import { ProviderRequestError, type ProviderHttp } from './provider-http';
import { asArray, asRecord, count, decimalText, stringOrNull } from './lossless';
import {
  originOf,
  type DayRange,
  type ProviderAccess,
  type ProviderCostRow,
  type ProviderPage,
  type ProviderPlugin,
  type ProviderUsageRow,
} from './provider-plugin';

export const ANTHROPIC_VERSION = '2023-06-01';
/** The most day buckets a page of either report may hold (the default is 7): a year is 12 pages instead of 53. */
const PAGE_LIMIT = 31;

/**
 * Anthropic's Admin API (`x-api-key` admin key + `anthropic-version`): `GET /v1/organizations/cost_report` grouped by
 * workspace and description (`amount`: a decimal string in CENTS, converted exactly to dollars) and
 * `GET /v1/organizations/usage_report/messages` grouped by model and workspace. Pages: `has_more`/`next_page`.
 */
export class AnthropicPlugin implements ProviderPlugin {
  readonly provider = 'anthropic' as const;
  readonly officialOrigin = 'https://api.anthropic.com';

  private headers(access: ProviderAccess) {
    return { 'x-api-key': access.adminKey, 'anthropic-version': ANTHROPIC_VERSION };
  }

  validateCredentials(http: ProviderHttp, access: ProviderAccess): Promise<boolean> {
    return checkAdminKey(http, this.endpoint(access, '/v1/organizations/workspaces'));
  }

  private endpoint(access: ProviderAccess, path: string): AdminEndpoint {
    return { origin: originOf(this, access), path, headers: this.headers(access) };
  }

  private range(range: DayRange): string {
    return `starting_at=${encodeURIComponent(range.from.toISOString())}&ending_at=${encodeURIComponent(range.to.toISOString())}&bucket_width=1d&limit=${PAGE_LIMIT}`;
  }

  async *costs(http: ProviderHttp, access: ProviderAccess, range: DayRange): AsyncIterable<ProviderPage<ProviderCostRow>> {
    const query = `${this.range(range)}&group_by[]=workspace_id&group_by[]=description`;
    for await (const page of cursorPages(http, this.endpoint(access, '/v1/organizations/cost_report'), query)) {
      const rows: ProviderCostRow[] = [];
      for (const bucket of asArray(page.body.data).map(asRecord)) {
        const day = String(bucket.starting_at ?? '').slice(0, 10);
        for (const result of asArray(bucket.results).map(asRecord)) {
          const cents = decimalText(result.amount);
          if (cents === null) continue;
          const currency = typeof result.currency === 'string' ? result.currency.toUpperCase() : 'USD';
          if (currency !== 'USD') throw new ProviderRequestError(`/v1/organizations/cost_report: currency ${currency} is not USD`, null);
          rows.push({
            day,
            externalProjectId: stringOrNull(result.workspace_id),
            model: stringOrNull(result.model),
            lineItem: stringOrNull(result.description),
            amount: new Money(cents).div(100).toFixed(),
          });
        }
      }
      yield { cursor: page.cursor, next: page.next, rows };
    }
  }

  async *usage(http: ProviderHttp, access: ProviderAccess, range: DayRange): AsyncIterable<ProviderPage<ProviderUsageRow>> {
    const query = `${this.range(range)}&group_by[]=model&group_by[]=workspace_id`;
    for await (const page of cursorPages(http, this.endpoint(access, '/v1/organizations/usage_report/messages'), query)) {
      const rows: ProviderUsageRow[] = [];
      for (const bucket of asArray(page.body.data).map(asRecord)) {
        const day = String(bucket.starting_at ?? '').slice(0, 10);
        for (const result of asArray(bucket.results).map(asRecord)) {
          const creation = asRecord(result.cache_creation);
          const cacheRead = count(result.cache_read_input_tokens);
          // The platform counts cache reads and writes as parts of the input (OpenAI's convention, `UsageCounts`);
          // Anthropic reports uncached input, cache writes and cache reads apart, so the input is their sum.
          rows.push({
            day,
            externalProjectId: stringOrNull(result.workspace_id),
            model: stringOrNull(result.model),
            kind: 'messages',
            inputTokens:
              count(result.uncached_input_tokens) +
              count(creation.ephemeral_5m_input_tokens) +
              count(creation.ephemeral_1h_input_tokens) +
              cacheRead,
            outputTokens: count(result.output_tokens),
            cachedInputTokens: cacheRead,
            // The usage report counts tokens, not requests.
            requests: 0,
          });
        }
      }
      yield { cursor: page.cursor, next: page.next, rows };
    }
  }
}
