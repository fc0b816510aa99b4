import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { alertsSubjects, type EnforcedBudgetView, type RequestContext, type UsageCounts } from '@llmlab/contracts';
import { CodedError } from '@llmlab/domain';
import type { RequestClient } from '@llmlab/api-keys';
import type { CallPricer } from '../calls/call-pricer';
import { toUnits, type BudgetReservations, type Reservation } from './budget-reservations';

export interface BudgetGuardOptions {
  /** How long a project's enforced budgets are used before they are asked again. */
  cacheMs: number;
  /** Asking fails (alerts down): the last answer is used this long. */
  staleMs: number;
  /** With no answer to use: refuse the call (503), or let it through unchecked. */
  whenUnavailable: 'refuse' | 'allow';
  /** The output a call is assumed to produce when it names no limit of its own (`max_tokens` and the like). */
  defaultOutputTokens: number;
}

/** A call's caller and what it says about itself, as the guard needs them. */
export interface GuardedCall {
  organizationId: string;
  projectId: string;
  tags: Record<string, string>;
  provider: string;
  model: string;
  /** The parsed request body (its output limit), or undefined for a body that is not JSON. */
  body: Record<string, unknown> | undefined;
  bodyBytes: number;
}

export type GuardResult =
  /** `hold` is undefined when no enforced budget covers the call. */
  | { ok: true; hold?: Hold }
  | { ok: false; budget: { id: string; name: string; amount: string; currency: string; committed: string; periodEnd: string } }
  /** The budgets could not be read, and no recent answer is at hand: the call is not made unchecked. */
  | { ok: false; unavailable: true };

export interface Hold {
  organizationId: string;
  reservation: Reservation;
  provider: string;
  model: string;
  /** What was held: kept for a call whose cost cannot be read (a stream cut off before its usage). */
  estimate: string;
}

/** Whole millionths: the smallest amount a call is held for, so an exhausted budget refuses even an unpriced call. */
const MINIMUM_ESTIMATE = '0.000001';
/** Roughly four bytes of a request body per input token: an over-estimate for JSON, which refuses early, not late. */
const BYTES_PER_TOKEN = 4;

/**
 * Enforced budgets on the proxy's data path. Before a call: the project's enforced budgets (asked of the alerts
 * service, kept `cacheMs`) that cover it, and, when there are any, an estimate of its cost (its input from the body's
 * size, its output from its own limit, priced by the ingestion service at the price in force now) held on all of
 * them at once in Redis (BudgetReservations), or the first budget without room named. After the call: the hold
 * settled to what the call cost, priced the same way, until the ledger's spend includes it.
 */
export class BudgetGuard {
  private readonly budgets = new Map<string, { at: number; budgets: EnforcedBudgetView[] }>();

  constructor(
    private readonly client: RequestClient,
    private readonly pricer: CallPricer,
    private readonly reservations: BudgetReservations,
    private readonly options: BudgetGuardOptions,
    private readonly logger: Logger,
  ) {}

  async check(call: GuardedCall, correlationId: string): Promise<GuardResult> {
    const all = await this.enforced(call, correlationId);
    if (!all) return this.options.whenUnavailable === 'allow' ? { ok: true } : { ok: false, unavailable: true };
    const covering = all.filter((b) => b.scope.type !== 'tag' || call.tags[b.scope.key] === b.scope.value);
    if (covering.length === 0) return { ok: true };

    const estimate = await this.pricer.price(call, estimatedUsage(call, this.options.defaultOutputTokens), correlationId);
    const held = estimate === undefined || toUnits(estimate, 'up') < toUnits(MINIMUM_ESTIMATE, 'up') ? MINIMUM_ESTIMATE : estimate;
    const reservationId = uuidv7();
    const result = await this.reservations.reserve(
      call.organizationId,
      covering.map((b) => ({ budgetId: b.budgetId, limit: b.amount.amount, spent: b.spent })),
      held,
      reservationId,
    );
    if (result.ok) {
      const { organizationId, provider, model } = call;
      return { ok: true, hold: { organizationId, reservation: result.reservation, provider, model, estimate: held } };
    }
    const budget = covering.find((b) => b.budgetId === result.budgetId)!;
    return {
      ok: false,
      budget: {
        id: budget.budgetId,
        name: budget.name,
        amount: budget.amount.amount,
        currency: budget.amount.currency,
        committed: result.committed,
        periodEnd: budget.periodEnd,
      },
    };
  }

  /**
   * The call ended: its hold becomes what it cost, priced from the model and usage read off the answer; the estimate
   * when no usage could be read (a stream cut off: the provider may have billed it); nothing for a call that was
   * never answered or answered an error. Never throws: a hold that cannot be settled expires on its own.
   */
  async settle(
    hold: Hold,
    outcome: { provider?: string; model?: string; usage?: UsageCounts } | 'free',
    correlationId: string,
  ): Promise<void> {
    try {
      let cost: string;
      if (outcome === 'free') cost = '0';
      else if (!outcome.usage) cost = hold.estimate;
      else {
        // A routed call may be answered by a target of another provider than the one its estimate was priced for.
        const { provider = hold.provider, model = hold.model } = outcome;
        const priced = await this.pricer.price({ organizationId: hold.organizationId, provider, model }, outcome.usage, correlationId);
        cost = priced ?? MINIMUM_ESTIMATE;
      }
      await this.reservations.settle(hold.organizationId, hold.reservation, cost);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'settling a budget hold failed: it expires on its own');
    }
  }

  private async enforced(call: GuardedCall, correlationId: string): Promise<EnforcedBudgetView[] | undefined> {
    const cached = this.budgets.get(call.projectId);
    const now = Date.now();
    if (cached && now - cached.at < this.options.cacheMs) return cached.budgets;
    const context: RequestContext = {
      correlationId,
      organizationId: call.organizationId,
      projectId: call.projectId,
      actor: { type: 'system', id: 'proxy' },
    };
    try {
      const reply = await this.client.ask(alertsSubjects.enforcedBudgets, {}, context);
      if (!reply.ok) throw new CodedError(reply.error.code, `enforced budgets: ${reply.error.message}`);
      this.budgets.set(call.projectId, { at: now, budgets: reply.data.budgets });
      if (this.budgets.size > 10_000) for (const [k, v] of this.budgets) if (now - v.at > this.options.staleMs) this.budgets.delete(k);
      return reply.data.budgets;
    } catch (err) {
      if (cached && now - cached.at < this.options.staleMs) return cached.budgets;
      this.logger.warn({ err: (err as Error).message }, 'enforced budgets cannot be read');
      return undefined;
    }
  }
}

/** Input from the body's size; output from the call's own limit, or the default when it names none. */
export function estimatedUsage(call: Pick<GuardedCall, 'body' | 'bodyBytes'>, defaultOutputTokens: number): UsageCounts {
  const limit = [call.body?.max_completion_tokens, call.body?.max_tokens, call.body?.max_output_tokens].find(
    (v): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0,
  );
  return { inputTokens: Math.ceil(call.bodyBytes / BYTES_PER_TOKEN), outputTokens: limit ?? defaultOutputTokens };
}
