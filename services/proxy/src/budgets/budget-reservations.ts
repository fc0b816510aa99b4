import type { Redis } from 'ioredis';

/** An enforced budget as the proxy sees it before a call: its limit and what the ledger says was spent. */
export interface EnforcedBudget {
  budgetId: string;
  /** Decimal strings, in the budget's currency. */
  limit: string;
  spent: string;
}

export interface Reservation {
  id: string;
  budgetIds: string[];
}

export type ReserveResult =
  | { ok: true; reservation: Reservation }
  /** `budgetId` is the first budget that has no room: `committed` (spent and held) plus the estimate passes `limit`. */
  | { ok: false; budgetId: string; limit: string; committed: string };

export interface BudgetReservationsOptions {
  /** Separates deployments sharing a Redis (the NATS prefix). */
  namespace: string;
  /** A hold not settled within this time (its call, or its proxy, died) stops counting. */
  holdTtlMs?: number;
  /**
   * A settled call's cost keeps counting this long: until the ledger's spend (ingestion, then the alerts service)
   * includes it. Counted twice meanwhile, which refuses early rather than late.
   */
  settledTtlMs?: number;
}

/** Redis holds amounts in whole millionths of the currency: exact integers in Lua's doubles up to 2^53. */
const UNITS_PER_ONE = 1_000_000n;
const MAX_UNITS = 2n ** 53n - 1n;

/**
 * What Redis is given of an amount: its units, or ±(2^53 − 1) beyond them (about $9.007e9). A budget's room is
 * computed exactly before it is bounded, so a limit or a spend of any size is compared right; only a room, an
 * estimate or a cost beyond the bound is taken as the bound, which refuses earlier, never later.
 */
function bounded(units: bigint): bigint {
  return units > MAX_UNITS ? MAX_UNITS : units < -MAX_UNITS ? -MAX_UNITS : units;
}

/** A decimal string in millionths, rounded toward refusing: a limit down, an estimate or a spend up. */
export function toUnits(amount: string, rounding: 'down' | 'up'): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!m) throw new Error(`not a decimal amount: ${amount}`);
  const fraction = (m[3] ?? '').padEnd(6, '0');
  let units = BigInt(m[2]) * UNITS_PER_ONE + BigInt(fraction.slice(0, 6));
  const rest = /[1-9]/.test(fraction.slice(6));
  if (m[1] === '-') units = -units;
  if (rest && rounding === 'up' && m[1] !== '-') units += 1n;
  if (rest && rounding === 'down' && m[1] === '-') units -= 1n;
  return units;
}

export function fromUnits(units: bigint): string {
  const sign = units < 0n ? '-' : '';
  const abs = units < 0n ? -units : units;
  return `${sign}${abs / UNITS_PER_ONE}.${String(abs % UNITS_PER_ONE).padStart(6, '0')}`;
}

/*
 * Per budget three keys, all in one hash slot per organization (the `{…}` tag) so that one script reads and writes
 * every budget of a call atomically: `holds` (reservation → expiry, a sorted set), `amounts` (reservation → units, a
 * hash) and `held` (their sum). Expired holds are dropped first; then either every budget has room and the hold goes
 * on all of them, or none is touched.
 */
const RESERVE = `
local now = tonumber(ARGV[1])
local id = ARGV[2]
local estimate = tonumber(ARGV[3])
local expiry = tonumber(ARGV[4])
local n = #KEYS / 3
for b = 0, n - 1 do
  local holds, amounts, held = KEYS[b * 3 + 1], KEYS[b * 3 + 2], KEYS[b * 3 + 3]
  local expired = redis.call('ZRANGEBYSCORE', holds, '-inf', now)
  for _, old in ipairs(expired) do
    local amount = redis.call('HGET', amounts, old)
    if amount then redis.call('DECRBY', held, amount) end
    redis.call('HDEL', amounts, old)
  end
  if #expired > 0 then redis.call('ZREMRANGEBYSCORE', holds, '-inf', now) end
end
for b = 0, n - 1 do
  local room = tonumber(ARGV[5 + b])
  local held = tonumber(redis.call('GET', KEYS[b * 3 + 3]) or '0')
  if held + estimate > room then return { b + 1, string.format('%.0f', held) } end
end
for b = 0, n - 1 do
  redis.call('HSET', KEYS[b * 3 + 2], id, estimate)
  redis.call('ZADD', KEYS[b * 3 + 1], expiry, id)
  redis.call('INCRBY', KEYS[b * 3 + 3], estimate)
  for k = 1, 3 do
    if redis.call('PTTL', KEYS[b * 3 + k]) < expiry - now then redis.call('PEXPIREAT', KEYS[b * 3 + k], expiry) end
  end
end
return { 0, '0' }
`;

/** Replaces a hold's amount (the actual cost, or 0 to release it) and its expiry; a hold already gone is left gone. */
const SETTLE = `
local id = ARGV[1]
local amount = tonumber(ARGV[2])
local expiry = tonumber(ARGV[3])
for b = 0, #KEYS / 3 - 1 do
  local holds, amounts, held = KEYS[b * 3 + 1], KEYS[b * 3 + 2], KEYS[b * 3 + 3]
  local before = redis.call('HGET', amounts, id)
  if before then
    if amount == 0 then
      redis.call('HDEL', amounts, id)
      redis.call('ZREM', holds, id)
    else
      redis.call('HSET', amounts, id, amount)
      redis.call('ZADD', holds, expiry, id)
      for _, key in ipairs({ holds, amounts, held }) do
        if redis.call('PTTL', key) < expiry - tonumber(ARGV[4]) then redis.call('PEXPIREAT', key, expiry) end
      end
    end
    redis.call('INCRBY', held, amount - tonumber(before))
  end
end
return 0
`;

/**
 * Enforced budgets under concurrency: before a call the proxy reserves its estimated cost on every enforced budget
 * that covers it, atomically, against the budget's limit less what was spent and what other calls hold; after the
 * call it settles the hold to the actual cost. So however many callers run at once, the spend can pass a limit by no
 * more than what one call cost beyond its estimate. Spend is counted in the proxies' shared Redis, not per replica.
 */
export class BudgetReservations {
  private readonly holdTtlMs: number;
  private readonly settledTtlMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly options: BudgetReservationsOptions,
  ) {
    this.holdTtlMs = options.holdTtlMs ?? 10 * 60_000;
    this.settledTtlMs = options.settledTtlMs ?? 60_000;
  }

  async reserve(
    organizationId: string,
    budgets: readonly EnforcedBudget[],
    estimate: string,
    reservationId: string,
    now = Date.now(),
  ): Promise<ReserveResult> {
    const reservation = { id: reservationId, budgetIds: budgets.map((b) => b.budgetId) };
    if (budgets.length === 0) return { ok: true, reservation };
    // The room left on each budget (limit down, spend up), exact whatever their size, then bounded for Redis.
    const spent = budgets.map((b) => toUnits(b.spent, 'up'));
    const rooms = budgets.map((b, i) => String(bounded(toUnits(b.limit, 'down') - spent[i])));
    const [refused, held] = (await this.redis.eval(
      RESERVE,
      budgets.length * 3,
      ...this.keys(organizationId, reservation.budgetIds),
      now,
      reservationId,
      String(bounded(toUnits(estimate, 'up'))),
      now + this.holdTtlMs,
      ...rooms,
    )) as [number, string];
    if (refused === 0) return { ok: true, reservation };
    const budget = budgets[refused - 1];
    return { ok: false, budgetId: budget.budgetId, limit: budget.limit, committed: fromUnits(spent[refused - 1] + BigInt(held)) };
  }

  /** The call cost `actual`: it keeps counting until the ledger's spend has caught up with it. */
  settle(organizationId: string, reservation: Reservation, actual: string, now = Date.now()): Promise<void> {
    const units = bounded(toUnits(actual, 'up'));
    return this.update(organizationId, reservation, units > 0n ? units : 0n, now);
  }

  /** The call cost nothing (refused upstream before any work, or never sent). */
  release(organizationId: string, reservation: Reservation, now = Date.now()): Promise<void> {
    return this.update(organizationId, reservation, 0n, now);
  }

  /** What the budget's holds add to its spend now (settled costs included), for reports and tests. */
  async held(organizationId: string, budgetId: string): Promise<string> {
    const [, , held] = this.keys(organizationId, [budgetId]);
    return fromUnits(BigInt((await this.redis.get(held)) ?? '0'));
  }

  private async update(organizationId: string, reservation: Reservation, units: bigint, now: number): Promise<void> {
    if (reservation.budgetIds.length === 0) return;
    await this.redis.eval(
      SETTLE,
      reservation.budgetIds.length * 3,
      ...this.keys(organizationId, reservation.budgetIds),
      reservation.id,
      String(units),
      now + this.settledTtlMs,
      now,
    );
  }

  private keys(organizationId: string, budgetIds: readonly string[]): string[] {
    const tag = `{${this.options.namespace}:budgets:${organizationId}}`;
    return budgetIds.flatMap((id) => [`${tag}:${id}:holds`, `${tag}:${id}:amounts`, `${tag}:${id}:held`]);
  }
}
