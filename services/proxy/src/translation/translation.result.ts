/**
 * What a translation answers. A request that cannot be carried to the other format without changing the answer is
 * refused, naming the field, so that the proxy can choose not to fall back instead of answering something else.
 * Fields that only tune sampling or caching and have no counterpart are left out and named in `dropped`, for the
 * caller to log; `dropped` also names a value that could only be sent clamped (temperature above 1 to Anthropic).
 */
export type Translation<T> = { ok: true; body: T; dropped: string[] } | Refused;

export interface Refused {
  ok: false;
  /** Where the value sits in the input: `n`, `messages[2].content[1]`, `tools[0]`. */
  field: string;
  reason: string;
}

/** Names of the dropped fields, each once, without array indices (`messages.name`, not `messages[3].name`). */
export class DroppedFields {
  private readonly fields = new Set<string>();

  add(field: string): void {
    this.fields.add(field);
  }

  list(): string[] {
    return [...this.fields];
  }
}

/** Thrown inside a translation and turned into its `Refused` answer by `translate`: the code deep down stays linear. */
class Refusal extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

export function refuse(field: string, reason: string): never {
  throw new Refusal(field, reason);
}

export function translate<T>(build: (dropped: DroppedFields) => T): Translation<T> {
  const dropped = new DroppedFields();
  try {
    const body = build(dropped);
    return { ok: true, body, dropped: dropped.list() };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, field: error.field, reason: error.reason };
    throw error;
  }
}

/** A JSON object (not an array, not null): what tool arguments and schemas must be. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `type` of a content part or block the union does not know, for a refusal's reason. */
export function typeName(value: unknown): string {
  return isPlainObject(value) && typeof value.type === 'string' ? value.type : typeof value;
}
