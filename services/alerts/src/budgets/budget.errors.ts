import { BudgetErrorCode } from '@llmlab/contracts';
import { CodedError, describeFieldErrors, type FieldError } from '@llmlab/domain';

export class BudgetError extends CodedError<BudgetErrorCode> {}

/** The same answer for a missing budget, a deleted one and one of another organization. */
export function budgetNotFound(): BudgetError {
  return new BudgetError(BudgetErrorCode.NotFound, 'budget not found');
}

export function invalidBudget(errors: FieldError[]): BudgetError {
  return new BudgetError(BudgetErrorCode.Invalid, describeFieldErrors(errors), errors);
}
