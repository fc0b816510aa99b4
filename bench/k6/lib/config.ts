// What every script reads from the environment (`k6 run -e NAME=value`, or the shell's environment). A required
// variable that is missing stops the run before any request, naming it.

export function required(name: string, what: string): string {
  const value = __ENV[name];
  if (value === undefined || value.trim() === '') {
    throw new Error(
      `${name} is not set: ${what} (k6 run -e ${name}=... <script>; see docs/operations.md, "Load-testing your install with k6")`,
    );
  }
  return value.trim();
}

export function optional(name: string): string | undefined {
  const value = __ENV[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** A positive number, or the default; anything else stops the run (a typo must not become NaN iterations/s). */
export function positiveNumber(name: string, fallback: number): number {
  const raw = optional(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, not "${raw}"`);
  return value;
}

/** A duration k6 accepts (`90s`, `5m`, `1h30m`). */
export function duration(name: string, fallback: string): string {
  const value = optional(name) ?? fallback;
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(value)) throw new Error(`${name} must be a duration such as 90s or 5m, not "${value}"`);
  return value;
}

/** Seconds of a duration, for the scenarios that start after another one. */
export function seconds(value: string): number {
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  let total = 0;
  for (const [, amount, , suffix] of value.matchAll(/(\d+(\.\d+)?)(ms|s|m|h)/g)) total += Number(amount) * unit[suffix];
  return total;
}

export const config = {
  baseUrl: required('BASE_URL', 'the address of the install, e.g. https://llmlab.example.com').replace(/\/+$/, ''),
  apiKey: required('API_KEY', 'an API key of the project to load (llm_...); each script says which scopes it needs'),
};
