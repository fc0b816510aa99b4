import { Inject, Injectable } from '@nestjs/common';
import type { ProjectScope } from '@llmlab/domain';
import { PG_POOL } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import type { FlaggedTraces, ModelTraffic, PrefixTraffic, ProjectTraffic, TrafficWindow } from '../recommenders/recommender';

/** Reads of the traffic read model, every one scoped to a project of an organization. */
@Injectable()
export class TrafficRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The project's traffic over the window, summed per model and feature, per prefix, and per trace flag. */
  async project(scope: ProjectScope, window: TrafficWindow): Promise<Omit<ProjectTraffic, 'equivalence'>> {
    const args = [scope.organizationId, scope.projectId, window.from, window.to];
    const where = `organization_id = $1 AND project_id = $2 AND day >= $3::date AND day < $4::date`;
    const [models, prefixes, flagged, evaluated] = await Promise.all([
      this.pool.query<Record<string, unknown>>(
        `SELECT provider, model, feature, sum(calls)::float8 AS calls, sum(errors)::float8 AS errors, sum(with_user)::float8 AS with_user,
           sum(with_tools)::float8 AS with_tools, sum(batch_tagged)::float8 AS batch_tagged, sum(input_tokens)::float8 AS input_tokens,
           sum(cached_input_tokens)::float8 AS cached_input_tokens, sum(cache_write_tokens)::float8 AS cache_write_tokens,
           sum(output_tokens)::float8 AS output_tokens, sum(reasoning_tokens)::float8 AS reasoning_tokens, sum(cost)::text AS cost,
           sum(error_cost)::text AS error_cost, sum(unpriced)::float8 AS unpriced,
           recommendations.sum_buckets(output_buckets)::float8[] AS output_buckets,
           recommendations.sum_buckets(input_buckets)::float8[] AS input_buckets,
           recommendations.sum_buckets(hour_buckets)::float8[] AS hour_buckets
         FROM recommendations.traffic_daily WHERE ${where}
         GROUP BY provider, model, feature ORDER BY provider, model, feature`,
        args,
      ),
      this.pool.query<Record<string, unknown>>(
        `SELECT provider, model, prefix_hash, sum(calls)::float8 AS calls, max(prefix_tokens)::float8 AS prefix_tokens, max(tools) AS tools,
           sum(input_tokens)::float8 AS input_tokens, sum(cached_input_tokens)::float8 AS cached_input_tokens,
           sum(cache_write_tokens)::float8 AS cache_write_tokens, sum(cost)::text AS cost
         FROM recommendations.prefix_daily WHERE ${where}
         GROUP BY provider, model, prefix_hash ORDER BY provider, model, prefix_hash`,
        args,
      ),
      this.pool.query<{ flag: string; traces: number; cost: string }>(
        `SELECT f.flag, count(*)::int AS traces, sum(t.cost)::text AS cost
         FROM recommendations.trace_outcomes t, unnest(t.flags) AS f(flag)
         WHERE t.organization_id = $1 AND t.project_id = $2 AND t.evaluated_at >= $3::date AND t.evaluated_at < $4::date
         GROUP BY f.flag ORDER BY f.flag`,
        args,
      ),
      this.pool.query<{ traces: number }>(
        `SELECT count(*)::int AS traces FROM recommendations.trace_outcomes
         WHERE organization_id = $1 AND project_id = $2 AND evaluated_at >= $3::date AND evaluated_at < $4::date`,
        args,
      ),
    ]);
    return {
      organizationId: scope.organizationId,
      projectId: scope.projectId,
      window,
      models: models.rows.map(toModelTraffic),
      prefixes: prefixes.rows.map(toPrefixTraffic),
      flagged: flagged.rows as FlaggedTraces[],
      evaluatedTraces: evaluated.rows[0].traces,
    };
  }

  /** Projects with traffic on or after `from`: the ones the periodic evaluation looks at. */
  async activeProjects(from: string): Promise<{ organizationId: string; projectId: string }[]> {
    const { rows } = await this.pool.query<{ organization_id: string; project_id: string }>(
      `SELECT DISTINCT organization_id, project_id FROM recommendations.traffic_daily WHERE day >= $1::date
       UNION SELECT organization_id, project_id FROM recommendations.recommendations WHERE status = 'open'`,
      [from],
    );
    return rows.map((r) => ({ organizationId: r.organization_id, projectId: r.project_id }));
  }
}

function toModelTraffic(r: Record<string, unknown>): ModelTraffic {
  return {
    provider: r.provider as string,
    model: r.model as string,
    feature: r.feature as string,
    calls: r.calls as number,
    errors: r.errors as number,
    withUser: r.with_user as number,
    withTools: r.with_tools as number,
    batchTagged: r.batch_tagged as number,
    inputTokens: r.input_tokens as number,
    cachedInputTokens: r.cached_input_tokens as number,
    cacheWriteTokens: r.cache_write_tokens as number,
    outputTokens: r.output_tokens as number,
    reasoningTokens: r.reasoning_tokens as number,
    cost: r.cost as string,
    errorCost: r.error_cost as string,
    unpriced: r.unpriced as number,
    outputBuckets: r.output_buckets as number[],
    inputBuckets: r.input_buckets as number[],
    hourBuckets: r.hour_buckets as number[],
  };
}

function toPrefixTraffic(r: Record<string, unknown>): PrefixTraffic {
  return {
    provider: r.provider as string,
    model: r.model as string,
    prefixHash: r.prefix_hash as string,
    calls: r.calls as number,
    prefixTokens: r.prefix_tokens as number,
    tools: r.tools as number,
    inputTokens: r.input_tokens as number,
    cachedInputTokens: r.cached_input_tokens as number,
    cacheWriteTokens: r.cache_write_tokens as number,
    cost: r.cost as string,
  };
}
