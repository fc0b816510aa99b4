import {
  alertsStreams,
  type AlertEvent,
  type AuditIntegrityViolatedData,
  type AlertNotificationData,
  type AlertResolution,
  type AlertRuleSettings,
  type BudgetScope,
  type BudgetStatusView,
  type ReconciliationEvent,
} from '@llmlab/contracts';
import { WrongExpectedRevisionError, type EventStore } from '@llmlab/event-store';
import { localDateTime, periodContaining, startOfLocalDay } from '@llmlab/spend-analytics';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { alertDecider } from '../alerts/alert.decider';
import type { AlertRecord, AlertRepository } from '../alerts/alert.repository';
import { budgetStatus, type BudgetFacts } from '../budgets/budget-status';
import type { BudgetRecord, BudgetRepository } from '../budgets/budget.repository';
import type { DirectoryRepository } from '../read-models/directory.repository';
import type { SettingsRepository } from '../settings/settings.repository';
import { systemMetadata } from '../shared/system-metadata';
import { hourStart, type SpendRepository } from '../spend/spend.repository';
import {
  decideAlerts,
  decideResolution,
  hourFires,
  ruleKeys,
  type AlertCandidate,
  type RepeatingRule,
  type RuleObservation,
} from './alert-rules.decider';
import { derivedId, type CommandRunner } from '@llmlab/service-kit';
import { assertUnreachable, isUuid, trustedScope, type OrganizationScope } from '@llmlab/domain';
import { inTransaction } from '@llmlab/persistence';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Days of hourly history the anomaly baseline reads (14 days and the hour's own day). */
const ANOMALY_HISTORY_DAYS = 15;
const ERROR_RATE_BASELINE_DAYS = 7;
const FORECAST_HISTORY_DAYS = 28;
/** Where alert ids derive from their rule keys (a random UUID, fixed once: the ids of past alerts depend on it). */
const ALERT_ID_NAMESPACE = '8e3f1c52-6a0d-4b8e-9c1a-2f5d7b9e4a36';

/**
 * `usage`: right after usage or evaluated traces were applied (budgets, error rate, failing traces, unpriced).
 * `tick`: everything, and resolution.
 */
export type EvaluationMode = 'usage' | 'tick';

export interface EvaluationResult {
  fired: string[];
  resolved: string[];
}

export interface RuleEvaluatorDeps {
  /**
   * Connections that only wait on and hold advisory locks. Kept apart from the pool the locked work reads and
   * appends with: were they one pool, evaluators waiting for a lock could take every connection and leave the
   * lock's holder none to finish with.
   */
  lockPool: Pool;
  store: EventStore;
  runner: CommandRunner;
  budgets: BudgetRepository;
  settings: SettingsRepository;
  alerts: AlertRepository;
  spend: SpendRepository;
  directory: DirectoryRepository;
  appUrl: string;
  logger: Logger;
}

type HourRule = RepeatingRule;

/**
 * Reads what the rules need (the service's own aggregates and read models), asks the pure rules what to fire and
 * what is over, and appends the alerts. An alert's stream is created with `no_stream` and its id derives from its
 * rule key, so concurrent evaluators (replicas, the tick and the usage path) fire each alert once: the loser gets
 * a concurrency error and moves on. Repeating rules also serialise on an advisory lock per scope for their
 * cooldown.
 */
export class RuleEvaluator {
  constructor(private readonly deps: RuleEvaluatorDeps) {}

  /** The live figures of a budget's current period, as GET shows them and as its rules decide on. */
  async budgetStatus(tenant: OrganizationScope, budget: BudgetFacts, now: Date): Promise<BudgetStatusView> {
    const period = periodContaining(now, budget.period, budget.timeZone);
    const today = startOfLocalDay(localDateTime(now, budget.timeZone), budget.timeZone);
    const [totals, history] = await Promise.all([
      this.deps.spend.totals(tenant, budget.scope, period.start, period.end),
      this.deps.spend.dailyHistory(tenant, budget.scope, today, FORECAST_HISTORY_DAYS, budget.timeZone),
    ]);
    return budgetStatus({ budget, period, spend: totals.cost, history, unpricedRecords: totals.unpriced, now });
  }

  /** What a budget's current period has spent so far, and when the period ends: the proxy's enforcement. */
  async periodSpend(tenant: OrganizationScope, budget: BudgetFacts, now: Date): Promise<{ spent: string; periodEnd: Date }> {
    const period = periodContaining(now, budget.period, budget.timeZone);
    const totals = await this.deps.spend.totals(tenant, budget.scope, period.start, period.end);
    return { spent: totals.cost, periodEnd: period.end };
  }

  async evaluate(organizationId: string, now: Date, mode: EvaluationMode): Promise<EvaluationResult> {
    const tenant = trustedScope(organizationId);
    const settings = await this.deps.settings.get(tenant);
    const { rules, timeZone } = settings;
    const current = await this.deps.alerts.current(tenant, now);
    const fired = new Set(current.map((a) => a.ruleKey));
    const result: EvaluationResult = { fired: [], resolved: [] };
    const fire = async (candidates: AlertCandidate[]) => {
      for (const candidate of candidates) {
        const alertId = await this.fire(tenant, candidate, now);
        if (alertId) result.fired.push(alertId);
        fired.add(candidate.ruleKey);
      }
    };

    const budgets = await this.deps.budgets.active(tenant);
    const statuses = new Map<string, BudgetStatusView>();
    for (const budget of budgets) {
      const status = await this.budgetStatus(tenant, budget, now);
      statuses.set(budget.id, status);
      await fire(decideAlerts({ rule: 'budget', budget, status, now }, { rules, fired, lastFiredAt: null }));
    }

    const thisHour = hourStart(now);
    const hours = [thisHour, new Date(thisHour.getTime() - HOUR_MS)];
    const next = new Date(thisHour.getTime() + HOUR_MS);
    const [usageScopes, traceScopes] = await Promise.all([
      this.deps.spend.activeScopes(tenant, hours[1], next),
      this.deps.spend.activeTraceScopes(tenant, hours[1], next),
    ]);
    const hourRules: HourRule[] = mode === 'tick' ? ['error_rate', 'trace_failures', 'anomaly'] : ['error_rate', 'trace_failures'];
    for (const rule of hourRules) {
      for (const scope of rule === 'trace_failures' ? traceScopes : usageScopes) {
        for (const hour of hours) {
          const observation = await this.observeHour(tenant, rule, scope, hour, timeZone, now);
          // The cooldown can only hold a firing back: without a candidate there is nothing to lock for.
          if (decideAlerts(observation, { rules, fired, lastFiredAt: null }).length === 0) continue;
          await this.withCooldown(tenant, rule, scope, now, async (lastFiredAt) => {
            const [candidate] = decideAlerts(observation, { rules, fired, lastFiredAt });
            if (!candidate) return undefined;
            fired.add(candidate.ruleKey);
            const alertId = await this.fire(tenant, candidate, now);
            if (alertId) result.fired.push(alertId);
            return alertId;
          });
        }
      }
    }

    const day = localDay(now, timeZone);
    const unpriced = await this.deps.spend.unpriced(tenant, day.start, day.end);
    await fire(
      decideAlerts(
        { rule: 'unpriced', organizationId, day, records: unpriced.records, models: unpriced.models, now },
        { rules, fired, lastFiredAt: null },
      ),
    );

    if (mode === 'tick') {
      const open = current.filter((a) => a.state !== 'resolved');
      for (const alert of open) {
        const resolution = await this.resolution(tenant, alert, { budgets, statuses, current, rules, timeZone, now });
        if (resolution && (await this.resolve(tenant, alert.id, resolution, now))) result.resolved.push(alert.id);
      }
    }
    return result;
  }

  private async observeHour(
    tenant: OrganizationScope,
    rule: HourRule,
    scope: BudgetScope,
    hour: Date,
    timeZone: string,
    now: Date,
  ): Promise<Extract<RuleObservation, { rule: HourRule }>> {
    const { spend } = this.deps;
    const next = new Date(hour.getTime() + HOUR_MS);
    const organizationId = tenant.organizationId;
    if (rule === 'trace_failures') {
      const projectId = scope.type === 'project' ? scope.projectId : '';
      const outcomes = await spend.traceOutcomes(tenant, projectId, hour, next);
      return { rule, organizationId, scope, hourStart: hour, outcomes, timeZone, now };
    }
    if (rule === 'anomaly') {
      const series = await spend.hourly(tenant, scope, new Date(hour.getTime() - ANOMALY_HISTORY_DAYS * DAY_MS), next);
      const atHour = series.find((h) => h.hourStart.getTime() === hour.getTime());
      return { rule, organizationId, scope, hourStart: hour, amount: atHour?.amount ?? '0', history: series, timeZone, now };
    }
    const [current, baseline] = await Promise.all([
      spend.requestCounts(tenant, scope, hour, next),
      spend.requestCounts(tenant, scope, new Date(hour.getTime() - ERROR_RATE_BASELINE_DAYS * DAY_MS), hour),
    ]);
    return { rule, organizationId, scope, hourStart: hour, current, baseline, timeZone, now };
  }

  private async resolution(
    tenant: OrganizationScope,
    alert: AlertRecord,
    context: {
      budgets: BudgetRecord[];
      statuses: Map<string, BudgetStatusView>;
      current: AlertRecord[];
      rules: AlertRuleSettings;
      timeZone: string;
      now: Date;
    },
  ): Promise<AlertResolution | null> {
    const { now } = context;
    const open = { kind: alert.kind, periodKey: alert.periodKey, periodEnd: alert.periodEnd, threshold: alert.threshold };
    switch (alert.kind) {
      case 'threshold':
      case 'forecast': {
        const budget = context.budgets.find((b) => b.id === alert.budgetId) ?? null;
        const status = budget ? (context.statuses.get(budget.id) ?? null) : null;
        const firedThresholds = context.current
          .filter(
            (a) => a.kind === 'threshold' && a.budgetId === alert.budgetId && a.periodKey === status?.period.key && a.threshold !== null,
          )
          .map((a) => a.threshold as number);
        return decideResolution(open, { about: 'budget', budget, status, firedThresholds, rules: context.rules, now });
      }
      case 'anomaly':
      case 'error_rate':
      case 'trace_failures': {
        if (now < alert.periodEnd) return null;
        const latest = new Date(hourStart(now).getTime() - HOUR_MS);
        const observation = await this.observeHour(tenant, alert.kind, alert.scope, latest, context.timeZone, now);
        return decideResolution(open, { about: 'hour', latestHourFires: hourFires(observation, context.rules), now });
      }
      case 'unpriced': {
        const { records } = await this.deps.spend.unpriced(tenant, alert.periodStart, alert.periodEnd);
        return decideResolution(open, { about: 'unpriced', records, now });
      }
      // Facts reported once by another service: nothing here can tell they are over. A person acknowledges them
      // (and an audit incident is closed by an operator, in the audit service).
      case 'reconciliation':
      case 'audit_integrity':
        return null;
      default:
        return assertUnreachable(alert.kind);
    }
  }

  /**
   * The audit service found the event store tampered with: fires the `audit_integrity` alert to the organization
   * whose event is at that position, once per incident, whatever its settings. Resolves with the alert id, or
   * undefined: fired before (a redelivery), or no organization to tell (an event of no organization, or an id that
   * is not one: the store it came from is the one found tampered with), which is logged.
   */
  async auditIntegrity(violation: AuditIntegrityViolatedData, now: Date): Promise<string | undefined> {
    const { organizationId, position, reason, detail, detectedAt } = violation;
    if (organizationId === null || !isUuid(organizationId)) {
      this.deps.logger.warn(
        { position, reason, organizationId },
        'audit integrity violation at an event of no organization: no organization alert to fire',
      );
      return undefined;
    }
    const tenant = trustedScope(organizationId);
    // The rule reads no setting (it cannot be switched off); the state is the one every rule decides on.
    const { rules } = await this.deps.settings.get(tenant);
    const [candidate] = decideAlerts(
      { rule: 'audit_integrity', organizationId, position, reason, detail, detectedAt },
      { rules, fired: new Set(), lastFiredAt: null },
    );
    return candidate ? this.fire(tenant, candidate, now) : undefined;
  }

  /**
   * A discrepancy provider-sync reported for one provider and UTC day: fires the reconciliation alert of its
   * direction when over the organization's threshold. Resolves with the alert id, or undefined (below the
   * threshold, rule off, or fired before: the alert's stream exists, so a re-sync reporting it again fires nothing).
   */
  async reconciliation(discrepancy: ReconciliationEvent['data'], now: Date): Promise<string | undefined> {
    const tenant = trustedScope(discrepancy.organizationId);
    const { rules } = await this.deps.settings.get(tenant);
    const { organizationId, provider, day, direction, recorded, billed } = discrepancy;
    const [candidate] = decideAlerts(
      { rule: 'reconciliation', organizationId, provider, day, direction, recorded, billed, now },
      { rules, fired: new Set(), lastFiredAt: null },
    );
    return candidate ? this.fire(tenant, candidate, now) : undefined;
  }

  /** Appends `AlertFired` to a stream that must not exist yet. Resolves with the alert id, or undefined if it fired before. */
  private async fire(tenant: OrganizationScope, candidate: AlertCandidate, now: Date): Promise<string | undefined> {
    const alertId = derivedId(ALERT_ID_NAMESPACE, candidate.ruleKey);
    const { organizationId } = tenant;
    const notification = {
      alertId,
      organization: { id: organizationId, name: await this.deps.directory.organizationName(tenant) },
      scope: { type: candidate.scope.type, description: await this.deps.directory.describe(tenant, candidate.scope) },
      period: candidate.period,
      link: `${this.deps.appUrl.replace(/\/+$/, '')}/orgs/${organizationId}/alerts/${alertId}`,
      firedAt: now.toISOString(),
      ...candidate.facts,
    } as AlertNotificationData;
    const event: AlertEvent = {
      type: 'AlertFired',
      data: {
        alertId,
        organizationId,
        kind: candidate.facts.kind,
        ruleKey: candidate.ruleKey,
        budgetId: candidate.budgetId,
        scope: candidate.scope,
        periodKey: candidate.periodKey,
        threshold: candidate.threshold,
        notification,
        firedAt: now.toISOString(),
      },
    };
    try {
      await this.deps.store.appendToStream(alertsStreams.alert(alertId), [{ ...event, metadata: systemMetadata(organizationId) }], {
        expectedRevision: 'no_stream',
      });
    } catch (err) {
      if (err instanceof WrongExpectedRevisionError) return undefined;
      throw err;
    }
    this.deps.logger.info({ organizationId, alertId, ruleKey: candidate.ruleKey }, 'alert fired');
    return alertId;
  }

  private async resolve(tenant: OrganizationScope, alertId: string, resolution: AlertResolution, now: Date): Promise<boolean> {
    const result = await this.deps.runner.run(
      alertsStreams.alert(alertId),
      alertDecider,
      { type: 'ResolveAlert', data: { organizationId: tenant.organizationId, resolution, at: now.toISOString() } },
      { metadata: systemMetadata(tenant.organizationId) },
    );
    return result.events.length > 0;
  }

  /**
   * Runs one repeating rule on one scope under a transaction-scoped advisory lock, with the time it last fired
   * there: two evaluators cannot both see "not cooling down" and fire two hours in a row. A firing is recorded
   * before the lock is released (and again by the projection, should this process die in between).
   */
  private async withCooldown(
    tenant: OrganizationScope,
    rule: HourRule,
    scope: BudgetScope,
    now: Date,
    work: (lastFiredAt: Date | null) => Promise<string | undefined>,
  ): Promise<void> {
    const key = ruleKeys.cooldown(rule, scope);
    await inTransaction(this.deps.lockPool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`alerts-cooldown:${tenant.organizationId}:${key}`]);
      const { rows } = await client.query<{ last_fired_at: Date }>(
        'SELECT last_fired_at FROM alerts.rule_state WHERE organization_id = $1 AND rule = $2 AND scope_key = $3',
        [tenant.organizationId, rule, key],
      );
      const alertId = await work(rows[0]?.last_fired_at ?? null);
      if (alertId) {
        await client.query(
          `INSERT INTO alerts.rule_state (organization_id, rule, scope_key, last_fired_at, last_alert_id) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (organization_id, rule, scope_key) DO UPDATE SET last_fired_at = EXCLUDED.last_fired_at, last_alert_id = EXCLUDED.last_alert_id`,
          [tenant.organizationId, rule, key, now, alertId],
        );
      }
    });
  }
}

/** The organization's local day containing `now`. */
function localDay(now: Date, timeZone: string): { key: string; start: Date; end: Date; timeZone: string } {
  const { key, start, end } = periodContaining(now, 'daily', timeZone);
  return { key, start, end, timeZone };
}
