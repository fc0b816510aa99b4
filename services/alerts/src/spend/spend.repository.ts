import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@llmlab/service-kit';
import type { BudgetScope } from '@llmlab/contracts';
import { localDayKey, type DailySpend, type HourlySpend, type RequestCounts } from '@llmlab/spend-analytics';
import type { Pool } from 'pg';
import type { TraceOutcomeCounts } from '../evaluation/alert-rules.decider';
import { aggregateColumns } from './scope';
import { type OrganizationScope, toMoneyString, Money } from '@llmlab/domain';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Reads of the hourly aggregates, every one scoped to an organization. Hours are UTC clock hours `[from, to)`. */
@Injectable()
export class SpendRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  private scopeArgs(tenant: OrganizationScope, scope: BudgetScope): [string, string, string, string] {
    const c = aggregateColumns(scope);
    return [tenant.organizationId, c.scopeType, c.scopeId, c.scopeValue];
  }

  /** Cost and unpriced records of a scope between two instants (hours attributed by their start). */
  async totals(tenant: OrganizationScope, scope: BudgetScope, from: Date, to: Date): Promise<{ cost: string; unpriced: number }> {
    const { rows } = await this.pool.query<{ cost: string | null; unpriced: string | null }>(
      `SELECT sum(cost)::text AS cost, sum(unpriced)::text AS unpriced FROM alerts.spend_hourly
       WHERE organization_id = $1 AND scope_type = $2 AND scope_id = $3 AND scope_value = $4 AND hour >= $5 AND hour < $6`,
      [...this.scopeArgs(tenant, scope), from, to],
    );
    return { cost: toMoneyString(new Money(rows[0].cost ?? 0)), unpriced: Number(rows[0].unpriced ?? 0) };
  }

  /** Spend per local day of `timeZone` over the `days` days before `before` (the forecast's history). */
  async dailyHistory(tenant: OrganizationScope, scope: BudgetScope, before: Date, days: number, timeZone: string): Promise<DailySpend[]> {
    const hours = await this.hourly(tenant, scope, new Date(before.getTime() - days * DAY_MS), before);
    const byDay = new Map<string, Money>();
    for (const h of hours) {
      const day = localDayKey(h.hourStart, timeZone);
      byDay.set(day, (byDay.get(day) ?? new Money(0)).plus(h.amount));
    }
    return [...byDay].map(([date, amount]) => ({ date, amount: toMoneyString(amount) }));
  }

  /** Hourly spend of a scope in `[from, to)`; hours without usage are absent. */
  async hourly(tenant: OrganizationScope, scope: BudgetScope, from: Date, to: Date): Promise<HourlySpend[]> {
    const { rows } = await this.pool.query<{ hour: Date; cost: string }>(
      `SELECT hour, cost::text AS cost FROM alerts.spend_hourly
       WHERE organization_id = $1 AND scope_type = $2 AND scope_id = $3 AND scope_value = $4 AND hour >= $5 AND hour < $6
       ORDER BY hour`,
      [...this.scopeArgs(tenant, scope), from, to],
    );
    return rows.map((r) => ({ hourStart: r.hour, amount: r.cost }));
  }

  async requestCounts(tenant: OrganizationScope, scope: BudgetScope, from: Date, to: Date): Promise<RequestCounts> {
    const { rows } = await this.pool.query<{ requests: string | null; errors: string | null }>(
      `SELECT sum(requests)::text AS requests, sum(errors)::text AS errors FROM alerts.spend_hourly
       WHERE organization_id = $1 AND scope_type = $2 AND scope_id = $3 AND scope_value = $4 AND hour >= $5 AND hour < $6`,
      [...this.scopeArgs(tenant, scope), from, to],
    );
    return { requests: Number(rows[0].requests ?? 0), errors: Number(rows[0].errors ?? 0) };
  }

  /** The organization and the projects that had usage in `[from, to)`: the scopes the hourly rules watch. */
  async activeScopes(tenant: OrganizationScope, from: Date, to: Date): Promise<BudgetScope[]> {
    const { rows } = await this.pool.query<{ scope_type: string; scope_id: string }>(
      `SELECT DISTINCT scope_type, scope_id FROM alerts.spend_hourly
       WHERE organization_id = $1 AND scope_type IN ('organization', 'project') AND hour >= $2 AND hour < $3`,
      [tenant.organizationId, from, to],
    );
    return rows
      .map((r): BudgetScope => (r.scope_type === 'project' ? { type: 'project', projectId: r.scope_id } : { type: 'organization' }))
      .sort((a, b) => (a.type === 'organization' ? -1 : b.type === 'organization' ? 1 : 0));
  }

  /**
   * Records of the organization counted in `[from, to)` (when they arrived, whatever their timestamps) that are
   * still unpriced, and their models (`provider/model`).
   */
  async unpriced(tenant: OrganizationScope, from: Date, to: Date): Promise<{ records: number; models: string[] }> {
    const { rows } = await this.pool.query<{ model: string; records: string }>(
      `SELECT provider || '/' || model AS model, count(*)::text AS records FROM alerts.usage_claims
       WHERE organization_id = $1 AND cost_status = 'unpriced' AND claimed_at >= $2 AND claimed_at < $3
       GROUP BY 1 ORDER BY 1 LIMIT 1000`,
      [tenant.organizationId, from, to],
    );
    return { records: rows.reduce((n, r) => n + Number(r.records), 0), models: rows.map((r) => r.model).slice(0, 20) };
  }

  /**
   * Traces of a project evaluated in `[from, to)` (each at its latest evaluation), how many were flagged, per flag
   * type, and the three most recently evaluated flagged ones.
   */
  async traceOutcomes(tenant: OrganizationScope, projectId: string, from: Date, to: Date): Promise<TraceOutcomeCounts> {
    const where = `organization_id = $1 AND project_id = $2 AND evaluated_at >= $3 AND evaluated_at < $4`;
    const args = [tenant.organizationId, projectId, from, to];
    const [totals, byFlag, examples] = await Promise.all([
      this.pool.query<{ traces: string; flagged: string }>(
        `SELECT count(*)::text AS traces, count(*) FILTER (WHERE cardinality(flags) > 0)::text AS flagged
         FROM alerts.trace_outcomes WHERE ${where}`,
        args,
      ),
      this.pool.query<{ flag: string; traces: string }>(
        `SELECT f.flag, count(*)::text AS traces FROM alerts.trace_outcomes, unnest(flags) AS f(flag) WHERE ${where} GROUP BY f.flag`,
        args,
      ),
      this.pool.query<{ trace_id: string }>(
        `SELECT trace_id FROM alerts.trace_outcomes WHERE ${where} AND cardinality(flags) > 0
         ORDER BY evaluated_at DESC, trace_id LIMIT 3`,
        args,
      ),
    ]);
    return {
      traces: Number(totals.rows[0].traces),
      flagged: Number(totals.rows[0].flagged),
      flags: Object.fromEntries(byFlag.rows.map((r) => [r.flag, Number(r.traces)])),
      examples: examples.rows.map((r) => r.trace_id),
    };
  }

  /** The projects of the organization with traces evaluated in `[from, to)`: the scopes the trace_failures rule watches. */
  async activeTraceScopes(tenant: OrganizationScope, from: Date, to: Date): Promise<BudgetScope[]> {
    const { rows } = await this.pool.query<{ project_id: string }>(
      `SELECT DISTINCT project_id FROM alerts.trace_outcomes WHERE organization_id = $1 AND evaluated_at >= $2 AND evaluated_at < $3
       ORDER BY project_id`,
      [tenant.organizationId, from, to],
    );
    return rows.map((r): BudgetScope => ({ type: 'project', projectId: r.project_id }));
  }

  /** Organizations with usage, or evaluated traces, in `[from, to)`. */
  async activeOrganizations(from: Date, to: Date): Promise<string[]> {
    const { rows } = await this.pool.query<{ organization_id: string }>(
      `SELECT organization_id FROM alerts.spend_hourly WHERE scope_type = 'organization' AND hour >= $1 AND hour < $2
       UNION SELECT organization_id FROM alerts.trace_outcomes WHERE evaluated_at >= $1 AND evaluated_at < $2`,
      [from, to],
    );
    return rows.map((r) => r.organization_id);
  }
}

export function hourStart(instant: Date): Date {
  return new Date(Math.floor(instant.getTime() / HOUR_MS) * HOUR_MS);
}
