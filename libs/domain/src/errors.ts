import type { FieldError } from '@llmlab/contracts';

/** Where a request was wrong and what was wrong there: `{ field: '/events/3/model', message: 'unknown provider' }`. */
export type { FieldError };

/**
 * The base of every module's coded error (`class ProjectError extends CodedError<ProjectErrorCode>`). It says
 * what went wrong in domain terms only: the code (declared once in contracts/), a message safe to show a client,
 * and the fields at fault. Which HTTP status a code becomes is decided once, at the HTTP boundary.
 */
export class CodedError<TCode extends string = string> extends Error {
  constructor(
    readonly code: TCode,
    message: string,
    readonly errors?: readonly FieldError[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** `"/a: x; /b: y"`: the message of an error that names several fields, for clients that only show messages. */
export function describeFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.message}`).join('; ');
}

/**
 * Collects what is wrong with a request, field by field, so one answer names every problem
 * (`/thresholds/2: must be a whole percent from 1 to 1000`).
 */
export class FieldErrors {
  readonly errors: FieldError[] = [];

  add(field: string, message: string): void {
    this.errors.push({ field, message });
  }

  get empty(): boolean {
    return this.errors.length === 0;
  }

  message(): string {
    return describeFieldErrors(this.errors);
  }
}
