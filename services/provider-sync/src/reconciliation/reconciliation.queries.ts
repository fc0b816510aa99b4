import { Inject, Injectable } from '@nestjs/common';
import {
  RECONCILIATION_GROUPS,
  type FieldError,
  type ReconciliationGroupBy,
  type ReconciliationReport,
  type ReconciliationRequest,
  type RequestContext,
  type TokenReconciliationReport,
  type TokenReconciliationRequest,
} from '@llmlab/contracts';
import { wholeUtcDays, type OrganizationScope } from '@llmlab/domain';
import { BilledSpendReader } from './billed-spend.reader';
import { reconcile, reconcileTokens } from './reconcile';
import { invalidReconciliationQuery } from './reconciliation.errors';
import { ReconciliationSettingsHandler } from './reconciliation-settings.handler';
import { RecordedSpendClient } from './recorded-spend.client';

export const RECORDED_SPEND_CLIENT = Symbol('RECORDED_SPEND_CLIENT');

function checkProvider(provider: unknown, errors: FieldError[]): string | undefined {
  if (provider === undefined) return undefined;
  if (typeof provider !== 'string' || !/^[a-z0-9][a-z0-9_.-]{0,63}$/.test(provider)) {
    errors.push({ field: '/provider', message: 'must be a provider id, e.g. openai' });
  }
  return provider as string;
}

/**
 * Billed (the imports of this service) against recorded (ingestion's, asked on its subject) for the organization
 * of the request's context, under the organization's tolerance.
 */
@Injectable()
export class ReconciliationQueries {
  constructor(
    private readonly billed: BilledSpendReader,
    @Inject(RECORDED_SPEND_CLIENT) private readonly recorded: RecordedSpendClient,
    private readonly settings: ReconciliationSettingsHandler,
  ) {}

  async report(
    scope: OrganizationScope,
    request: ReconciliationRequest,
    context: RequestContext,
    now = new Date(),
  ): Promise<ReconciliationReport> {
    const errors: FieldError[] = [];
    const days = wholeUtcDays(request, errors);
    const groupBy = request.groupBy ?? 'day';
    if (!RECONCILIATION_GROUPS.includes(groupBy))
      errors.push({ field: '/groupBy', message: `must be one of ${RECONCILIATION_GROUPS.join(', ')}` });
    const provider = checkProvider(request.provider, errors);
    if (errors.length > 0) throw invalidReconciliationQuery(errors);
    return this.reconcile(scope, days, groupBy, provider, context.correlationId, now);
  }

  async reconcile(
    scope: OrganizationScope,
    days: { from: Date; to: Date },
    groupBy: ReconciliationGroupBy,
    provider: string | undefined,
    correlationId: string,
    now: Date,
  ): Promise<ReconciliationReport> {
    const [connected, billed, recorded, coverage, tolerance] = await Promise.all([
      this.billed.providers(scope),
      this.billed.costs(scope, days, groupBy, provider),
      this.recorded.rows(scope, days, groupBy, provider, correlationId),
      this.billed.coverage(scope),
      this.settings.tolerance(scope),
    ]);
    const providers = connected.filter((p) => provider === undefined || p === provider);
    const key = (row: { model?: string; projectId?: string }) => row.model ?? row.projectId ?? '';
    const { rows, totals } = reconcile({
      days,
      groupBy,
      providers,
      billed,
      recorded: recorded.map((r) => ({ day: r.day, provider: r.provider, key: key(r), amount: r.cost.amount })),
      coverage,
      tolerance,
      now,
    });
    return { from: days.from.toISOString(), to: days.to.toISOString(), groupBy, tolerance, rows, totals };
  }

  async tokens(
    scope: OrganizationScope,
    request: TokenReconciliationRequest,
    context: RequestContext,
    now = new Date(),
  ): Promise<TokenReconciliationReport> {
    const errors: FieldError[] = [];
    const days = wholeUtcDays(request, errors);
    const provider = checkProvider(request.provider, errors);
    if (errors.length > 0) throw invalidReconciliationQuery(errors);
    const [reported, recorded, coverage, tolerance] = await Promise.all([
      this.billed.usage(scope, days, provider),
      this.recorded.rows(scope, days, 'model', provider, context.correlationId),
      this.billed.coverage(scope),
      this.settings.tolerance(scope),
    ]);
    const rows = reconcileTokens({
      reported,
      recorded: recorded.map((r) => ({
        day: r.day,
        provider: r.provider,
        model: r.model ?? '',
        counts: { input: r.inputTokens, output: r.outputTokens, cachedInput: r.cachedInputTokens, requests: r.requests },
      })),
      coverage,
      tolerancePercent: tolerance.percent,
      now,
    });
    return { from: days.from.toISOString(), to: days.to.toISOString(), rows };
  }
}
