import {
  BUDGET_LIMITS,
  DEFAULT_BUDGET_THRESHOLDS,
  type BudgetEvent,
  type BudgetPeriod,
  type BudgetScope,
  type MoneyAmount,
  BudgetErrorCode,
} from '@llmlab/contracts';
import { assertUnreachable, type Decider, FieldErrors } from '@llmlab/domain';
import { BudgetError, budgetNotFound, invalidBudget } from './budget.errors';
import { readAmount, readEnforce, readName, readPeriod, readScope, readThresholds, readTimeZone } from './budget.validation';

interface Actor {
  /** The tenant the request was authorized for: a budget of another organization is not found. */
  organizationId: string;
  actorId: string;
  at: string;
}

export type BudgetCommand =
  | {
      type: 'CreateBudget';
      data: Actor & {
        budgetId: string;
        /** The request as received: validated here. */
        request: {
          name?: unknown;
          scope?: unknown;
          period?: unknown;
          amount?: unknown;
          thresholds?: unknown;
          timeZone?: unknown;
          enforce?: unknown;
        };
        /** The organization's time zone, for a request that names none. */
        defaultTimeZone: string;
        /** Budgets the organization has now (read model): the limit is checked against it. */
        existingBudgets: number;
      };
    }
  | {
      type: 'UpdateBudget';
      data: Actor & {
        changes: { name?: unknown; period?: unknown; amount?: unknown; thresholds?: unknown; timeZone?: unknown; enforce?: unknown };
      };
    }
  | { type: 'DeleteBudget'; data: Actor };

export interface BudgetState {
  id: string | null;
  organizationId: string | null;
  name: string;
  scope: BudgetScope;
  period: BudgetPeriod;
  amount: MoneyAmount;
  thresholds: number[];
  timeZone: string;
  enforce: boolean;
  createdAt: string | null;
  updatedAt: string | null;
  deleted: boolean;
}

const initialState = (): BudgetState => ({
  id: null,
  organizationId: null,
  name: '',
  scope: { type: 'organization' },
  period: 'monthly',
  amount: { amount: '0', currency: 'USD' },
  thresholds: [],
  timeZone: 'UTC',
  enforce: false,
  createdAt: null,
  updatedAt: null,
  deleted: false,
});

function liveBudget(state: BudgetState, organizationId: string): asserts state is BudgetState & { id: string; organizationId: string } {
  if (!state.id || state.deleted || state.organizationId !== organizationId) throw budgetNotFound();
}

const sameList = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

function decide(command: BudgetCommand, state: BudgetState): BudgetEvent[] {
  switch (command.type) {
    case 'CreateBudget': {
      const { budgetId, organizationId, actorId, at, request, defaultTimeZone, existingBudgets } = command.data;
      if (state.id) throw new BudgetError(BudgetErrorCode.AlreadyExists, `budget ${budgetId} exists`);
      const errors = new FieldErrors();
      const name = readName(errors, request.name);
      const scope = readScope(errors, request.scope);
      const period = readPeriod(errors, request.period);
      const amount = readAmount(errors, request.amount);
      const thresholds = request.thresholds === undefined ? [...DEFAULT_BUDGET_THRESHOLDS] : readThresholds(errors, request.thresholds);
      const timeZone = request.timeZone === undefined ? defaultTimeZone : readTimeZone(errors, request.timeZone);
      const enforce = request.enforce === undefined ? false : readEnforce(errors, request.enforce, scope);
      const data = {
        budgetId,
        organizationId,
        name,
        scope,
        period,
        amount,
        thresholds,
        timeZone,
        ...(enforce ? { enforce } : {}),
        createdBy: actorId,
        createdAt: at,
      };
      if (!errors.empty) throw invalidBudget(errors.errors);
      if (existingBudgets >= BUDGET_LIMITS.maxBudgetsPerOrganization) {
        throw new BudgetError(
          BudgetErrorCode.LimitReached,
          `an organization has at most ${BUDGET_LIMITS.maxBudgetsPerOrganization} budgets`,
        );
      }
      return [{ type: 'BudgetCreated', data }];
    }
    case 'UpdateBudget': {
      const { organizationId, actorId, at, changes } = command.data;
      liveBudget(state, organizationId);
      const errors = new FieldErrors();
      const update: {
        name?: string;
        period?: BudgetPeriod;
        amount?: MoneyAmount;
        thresholds?: number[];
        timeZone?: string;
        enforce?: boolean;
      } = {};
      if (changes.name !== undefined) {
        const name = readName(errors, changes.name);
        if (name !== state.name) update.name = name;
      }
      if (changes.period !== undefined) {
        const period = readPeriod(errors, changes.period);
        if (period !== state.period) update.period = period;
      }
      if (changes.amount !== undefined) {
        const amount = readAmount(errors, changes.amount);
        if (amount.amount !== state.amount.amount) update.amount = amount;
      }
      if (changes.thresholds !== undefined) {
        const thresholds = readThresholds(errors, changes.thresholds);
        if (!sameList(thresholds, state.thresholds)) update.thresholds = thresholds;
      }
      if (changes.timeZone !== undefined) {
        const timeZone = readTimeZone(errors, changes.timeZone);
        if (timeZone !== state.timeZone) update.timeZone = timeZone;
      }
      if (changes.enforce !== undefined) {
        const enforce = readEnforce(errors, changes.enforce, state.scope);
        if (enforce !== state.enforce) update.enforce = enforce;
      }
      if (!errors.empty) throw invalidBudget(errors.errors);
      if (Object.keys(update).length === 0) return [];
      return [{ type: 'BudgetUpdated', data: { budgetId: state.id, organizationId, ...update, updatedBy: actorId, updatedAt: at } }];
    }
    case 'DeleteBudget': {
      const { organizationId, actorId, at } = command.data;
      liveBudget(state, organizationId);
      return [{ type: 'BudgetDeleted', data: { budgetId: state.id, organizationId, deletedBy: actorId, deletedAt: at } }];
    }
    default:
      return assertUnreachable(command);
  }
}

function evolve(state: BudgetState, event: BudgetEvent): BudgetState {
  switch (event.type) {
    case 'BudgetCreated': {
      const d = event.data;
      return {
        id: d.budgetId,
        organizationId: d.organizationId,
        name: d.name,
        scope: d.scope,
        period: d.period,
        amount: d.amount,
        thresholds: d.thresholds,
        timeZone: d.timeZone,
        enforce: d.enforce === true,
        createdAt: d.createdAt,
        updatedAt: d.createdAt,
        deleted: false,
      };
    }
    case 'BudgetUpdated': {
      const d = event.data;
      return {
        ...state,
        name: d.name ?? state.name,
        period: d.period ?? state.period,
        amount: d.amount ?? state.amount,
        thresholds: d.thresholds ?? state.thresholds,
        timeZone: d.timeZone ?? state.timeZone,
        enforce: d.enforce ?? state.enforce,
        updatedAt: d.updatedAt,
      };
    }
    case 'BudgetDeleted':
      return { ...state, deleted: true, updatedAt: event.data.deletedAt };
    default:
      return assertUnreachable(event);
  }
}

export const budgetDecider: Decider<BudgetCommand, BudgetEvent, BudgetState> = { decide, evolve, initialState };
