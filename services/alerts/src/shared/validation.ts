import type { FieldError } from '@llmlab/messaging';

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
    return this.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  }
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
