import type { Problem } from './schema';

/** An answer of the API that was not a success: its problem+json body, typed. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem> | undefined,
  ) {
    super(problem?.detail ?? problem?.title ?? `request failed (${status})`);
  }

  get code(): string | undefined {
    return this.problem?.code;
  }

  /** What went wrong, for a person: the problem's detail, and the fields it names (but those shown beside their input). */
  describe(shownBesideInputs: readonly string[] = []): string {
    const fields = (this.problem?.errors ?? [])
      .filter((e) => !shownBesideInputs.includes(e.field))
      .map((e) => `${e.field.replace(/^\//, '') || 'body'}: ${e.message}`);
    return [this.message, ...fields].join('; ');
  }

  /** The messages the problem gives for one field (a JSON pointer such as `/credentials/adminKey`), if any. */
  fieldError(pointer: string): string | undefined {
    const messages = (this.problem?.errors ?? []).filter((e) => e.field === pointer).map((e) => e.message);
    return messages.length ? messages.join('; ') : undefined;
  }
}

/** The error a form shows beside one input, when the API's problem names that field. */
export function fieldError(error: unknown, pointer: string): string | undefined {
  return error instanceof ApiError ? error.fieldError(pointer) : undefined;
}

/** The data of an openapi-fetch answer, or an ApiError with its problem. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    throw new ApiError(result.response.status, result.error as Partial<Problem> | undefined);
  }
  return result.data as T;
}
