import { CodedError, type FieldError } from '@llmlab/messaging';
import { assertUnreachable } from '@llmlab/domain';

export enum BudgetErrorCode {
  NotFound = 'BUDGET_NOT_FOUND',
  Invalid = 'BUDGET_INVALID',
  LimitReached = 'BUDGET_LIMIT_REACHED',
  AlreadyExists = 'BUDGET_ALREADY_EXISTS',
}

function statusOf(code: BudgetErrorCode): number {
  switch (code) {
    case BudgetErrorCode.NotFound:
      return 404;
    case BudgetErrorCode.Invalid:
      return 400;
    case BudgetErrorCode.LimitReached:
    case BudgetErrorCode.AlreadyExists:
      return 409;
    default:
      return assertUnreachable(code);
  }
}

export class BudgetError extends CodedError<BudgetErrorCode> {
  constructor(code: BudgetErrorCode, message: string, errors?: FieldError[]) {
    super(code, statusOf(code), message, errors);
  }
}

/** The same answer for a missing budget, a deleted one and one of another organization. */
export function budgetNotFound(): BudgetError {
  return new BudgetError(BudgetErrorCode.NotFound, 'budget not found');
}

export function invalidBudget(errors: FieldError[]): BudgetError {
  return new BudgetError(BudgetErrorCode.Invalid, errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
}
