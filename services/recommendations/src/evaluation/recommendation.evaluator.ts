import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  recommendationsStreams,
  type MoneyAmount,
  type RecommendationFindings,
  type RecommendationKind,
  type RecommendationScope,
  type RecommendationsRefreshed,
} from '@llmlab/contracts';
import { Money, type ProjectScope } from '@llmlab/domain';
import { CommandRunner, derivedId, PG_POOL, SERVICE_CONFIG } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import { recommendationDecider } from '../recommendations/recommendation.decider';
import { RecommenderRegistry } from '../recommenders/recommender.registry';
import type { Proposal, TrafficWindow } from '../recommenders/recommender';
import { monthly, worthIt } from '../recommenders/monthly';
import { PriceQuoteClient } from '../pricing/price-quote.client';
import { ModelEquivalenceHandler } from '../model-equivalence/model-equivalence.handler';
import type { RecommendationsConfig } from '../recommendations.config';
import { TrafficRepository } from '../traffic/traffic.repository';

/** Where recommendation ids derive from (a random UUID, fixed once: existing ids depend on it). */
const RECOMMENDATION_ID_NAMESPACE = '5d0c6f7e-3b41-4a8e-9f2d-71c4e8a9b0d3';
const DAY_MS = 86_400_000;

/** One pattern, one recommendation: the id of a kind of advice on a scope. */
export function recommendationId(kind: RecommendationKind, scope: RecommendationScope): string {
  return derivedId(RECOMMENDATION_ID_NAMESPACE, scope.projectId, kind, scope.provider ?? '*', scope.model ?? '*', scope.feature ?? '*');
}

/** The last `days` UTC days, today included, starting no earlier than the project's first day of traffic. */
export function trafficWindow(now: Date, days: number, firstDay: string | null): TrafficWindow {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const earliest = today - (days - 1) * DAY_MS;
  const start = firstDay === null ? earliest : Math.max(earliest, Date.parse(`${firstDay}T00:00:00Z`));
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { from: iso(start), to: iso(today + DAY_MS), days: Math.round((today + DAY_MS - start) / DAY_MS) };
}

/**
 * Evaluates one project: every recommender over its traffic window, each finding run through its recommendation's
 * decider (opened, updated, reopened), and every recommendation of a known kind that nothing found this time
 * told so (an open one resolves). Two evaluators running at once decide on the same streams: the loser of an
 * append retries on the new state and finds nothing left to do.
 */
@Injectable()
export class RecommendationEvaluator {
  constructor(
    private readonly traffic: TrafficRepository,
    private readonly registry: RecommenderRegistry,
    private readonly runner: CommandRunner,
    private readonly quotes: PriceQuoteClient,
    private readonly equivalence: ModelEquivalenceHandler,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SERVICE_CONFIG) private readonly config: RecommendationsConfig,
  ) {}

  /** Evaluates the project; resolves with what changed and the position of the last event appended (if any). */
  async evaluate(scope: ProjectScope, now: Date): Promise<{ refreshed: RecommendationsRefreshed; position?: number }> {
    const window = trafficWindow(now, this.config.RECOMMENDATIONS_WINDOW_DAYS, await this.firstDay(scope, now));
    const traffic = { ...(await this.traffic.project(scope, window)), equivalence: await this.equivalence.table(scope) };
    const correlationId = randomUUID();
    const found = await this.price(
      scope,
      this.registry.all().flatMap((r) => r.propose(traffic)),
      window,
      correlationId,
    );
    const known = await this.pool.query<{ id: string }>(
      `SELECT id FROM recommendations.recommendations WHERE organization_id = $1 AND project_id = $2 AND kind = ANY($3::text[])`,
      [scope.organizationId, scope.projectId, this.registry.kinds()],
    );
    const ids = new Set([...found.keys(), ...known.rows.map((r) => r.id)]);
    const result: RecommendationsRefreshed = { evaluatedAt: now.toISOString(), opened: 0, updated: 0, reopened: 0, resolved: 0, open: 0 };
    const metadata = {
      actor: { type: 'system' as const, id: 'recommendations' },
      organizationId: scope.organizationId,
      projectId: scope.projectId,
      correlationId,
    };
    let position: number | undefined;
    for (const id of [...ids].sort()) {
      const {
        events,
        state,
        position: appendedAt,
      } = await this.runner.run(
        recommendationsStreams.recommendation(id),
        recommendationDecider,
        {
          type: 'Evaluate',
          data: {
            recommendationId: id,
            organizationId: scope.organizationId,
            projectId: scope.projectId,
            findings: found.get(id) ?? null,
            at: now.toISOString(),
            policy: { updateShare: this.config.RECOMMENDATIONS_UPDATE_SHARE, reopenFactor: this.config.RECOMMENDATIONS_REOPEN_FACTOR },
          },
        },
        { metadata },
      );
      for (const event of events) {
        if (event.type === 'RecommendationOpened') result.opened++;
        else if (event.type === 'RecommendationUpdated') result.updated++;
        else if (event.type === 'RecommendationReopened') result.reopened++;
        else if (event.type === 'RecommendationResolved') result.resolved++;
      }
      if (state.status === 'open') result.open++;
      if (appendedAt !== undefined) position = Math.max(position ?? 0, appendedAt);
    }
    return { refreshed: result, position };
  }

  /**
   * Puts a figure on each proposal (observed money, or the traffic repriced before and after the change, scaled to a
   * month) and keeps those worth making: a repriced one needs every call priced, and at least the minimum savings.
   */
  private async price(
    scope: ProjectScope,
    proposals: Proposal[],
    window: TrafficWindow,
    correlationId: string,
  ): Promise<Map<string, RecommendationFindings>> {
    const calls = proposals.flatMap((p) =>
      p.savings.kind === 'reprice' ? [...p.savings.current, ...p.savings.changed] : p.savings.kind === 'discount' ? p.savings.calls : [],
    );
    const quotes = calls.length > 0 ? await this.quotes.quote(scope, calls, correlationId) : [];
    const minimum = this.config.RECOMMENDATIONS_MIN_MONTHLY_SAVINGS;
    const found = new Map<string, RecommendationFindings>();
    let next = 0;
    const sum = (count: number): Money | null => {
      const slice = quotes.slice(next, (next += count));
      return slice.some((q) => q.amount === null) ? null : slice.reduce((total, q) => total.plus(q.amount as string), new Money(0));
    };
    for (const proposal of proposals) {
      let savings: MoneyAmount | null = null;
      if (proposal.savings.kind === 'observed') savings = monthly(new Money(proposal.savings.amount), window);
      if (proposal.savings.kind === 'reprice') {
        const [current, changed] = [sum(proposal.savings.current.length), sum(proposal.savings.changed.length)];
        if (current === null || changed === null) continue;
        savings = monthly(current.minus(changed), window);
      }
      if (proposal.savings.kind === 'discount') {
        const priced = sum(proposal.savings.calls.length);
        if (priced === null) continue;
        savings = monthly(priced.times(proposal.savings.share), window);
      }
      if (savings !== null && !worthIt(savings, minimum)) continue;
      const findings = { ...proposal.findings, estimatedMonthlySavings: savings };
      found.set(recommendationId(findings.kind, findings.scope), findings);
    }
    return found;
  }

  /** The project's first day of traffic inside the longest window, so a young project's month is not diluted. */
  private async firstDay(scope: ProjectScope, now: Date): Promise<string | null> {
    const earliest = new Date(now.getTime() - this.config.RECOMMENDATIONS_WINDOW_DAYS * DAY_MS).toISOString().slice(0, 10);
    const { rows } = await this.pool.query<{ day: string | null }>(
      `SELECT min(day)::text AS day FROM recommendations.traffic_daily WHERE organization_id = $1 AND project_id = $2 AND day >= $3::date`,
      [scope.organizationId, scope.projectId, earliest],
    );
    return rows[0].day;
  }
}
