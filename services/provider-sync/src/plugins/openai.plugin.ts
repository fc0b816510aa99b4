import { Money } from '@llmlab/domain';
import { checkAdminKey, cursorPages, type AdminEndpoint } from './admin-api';
import { ProviderRequestError, type ProviderHttp } from './provider-http';
import { asArray, asRecord, count, decimalText, stringOrNull } from './lossless';
import {
  originOf,
  utcDay,
  type DayRange,
  type ProviderAccess,
  type ProviderCostRow,
  type ProviderPage,
  type ProviderPlugin,
  type ProviderUsageRow,
} from './provider-plugin';

/** The most day buckets a page may hold (the API reference): fewer pages, fewer round trips, fewer imports. */
const COSTS_PAGE_LIMIT = 180;
const USAGE_PAGE_LIMIT = 31;

/**
 * OpenAI's organization Costs and Usage APIs (admin key, `Authorization: Bearer`): `GET /v1/organization/costs`
 * with `bucket_width=1d` grouped by project and line item (`amount.value`: a JSON number in dollars), and
 * `GET /v1/organization/usage/{completions,embeddings}` grouped by model and project. Pages: `has_more`/`next_page`.
 */
export class OpenAiPlugin implements ProviderPlugin {
  readonly provider = 'openai' as const;
  readonly officialOrigin = 'https://api.openai.com';

  private headers(access: ProviderAccess) {
    return { authorization: `Bearer ${access.adminKey}` };
  }

  validateCredentials(http: ProviderHttp, access: ProviderAccess): Promise<boolean> {
    return checkAdminKey(http, this.endpoint(access, '/v1/organization/projects'));
  }

  private endpoint(access: ProviderAccess, path: string): AdminEndpoint {
    return { origin: originOf(this, access), path, headers: this.headers(access) };
  }

  private range(range: DayRange, limit: number): string {
    return `start_time=${Math.floor(range.from.getTime() / 1000)}&end_time=${Math.floor(range.to.getTime() / 1000)}&bucket_width=1d&limit=${limit}`;
  }

  async *costs(http: ProviderHttp, access: ProviderAccess, range: DayRange): AsyncIterable<ProviderPage<ProviderCostRow>> {
    const query = `${this.range(range, COSTS_PAGE_LIMIT)}&group_by[]=project_id&group_by[]=line_item`;
    for await (const page of cursorPages(http, this.endpoint(access, '/v1/organization/costs'), query)) {
      const rows: ProviderCostRow[] = [];
      for (const bucket of asArray(page.body.data).map(asRecord)) {
        const day = utcDay(new Date(count(bucket.start_time) * 1000));
        for (const result of asArray(bucket.results).map(asRecord)) {
          const amount = asRecord(result.amount);
          const value = decimalText(amount.value);
          if (value === null) continue;
          const currency = typeof amount.currency === 'string' ? amount.currency.toLowerCase() : 'usd';
          if (currency !== 'usd') throw new ProviderRequestError(`/v1/organization/costs: currency ${currency} is not USD`, null);
          rows.push({
            day,
            externalProjectId: stringOrNull(result.project_id),
            model: null,
            lineItem: stringOrNull(result.line_item),
            amount: new Money(value).toFixed(),
          });
        }
      }
      yield { cursor: page.cursor, next: page.next, rows };
    }
  }

  async *usage(http: ProviderHttp, access: ProviderAccess, range: DayRange): AsyncIterable<ProviderPage<ProviderUsageRow>> {
    for (const kind of ['completions', 'embeddings'] as const) {
      const query = `${this.range(range, USAGE_PAGE_LIMIT)}&group_by[]=model&group_by[]=project_id`;
      for await (const page of cursorPages(http, this.endpoint(access, `/v1/organization/usage/${kind}`), query)) {
        const rows: ProviderUsageRow[] = [];
        for (const bucket of asArray(page.body.data).map(asRecord)) {
          const day = utcDay(new Date(count(bucket.start_time) * 1000));
          for (const result of asArray(bucket.results).map(asRecord)) {
            rows.push({
              day,
              externalProjectId: stringOrNull(result.project_id),
              model: stringOrNull(result.model),
              kind,
              inputTokens: count(result.input_tokens),
              outputTokens: count(result.output_tokens),
              cachedInputTokens: count(result.input_cached_tokens),
              requests: count(result.num_model_requests),
            });
          }
        }
        yield { cursor: page.cursor ? `${kind}:${page.cursor}` : null, next: page.next, rows };
      }
    }
  }
}
