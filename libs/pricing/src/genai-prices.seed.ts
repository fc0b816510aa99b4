import type { MatchLogic, ModelInfo, ModelPrice, Provider } from '@pydantic/genai-prices';
import { waitForUpdate } from '@pydantic/genai-prices';
import { Money } from '@llmlab/domain';
import type { ModelPattern, PriceEntry, PriceRates, PriceTier, TimeOfDayWindow } from './price-entry';
import { RATE_FIELDS } from './price-entry';
import { PricingError, PricingErrorCode } from './pricing.errors';

/** Credit owed to the dataset the catalog is seeded from; show it wherever seeded prices are listed. */
export const GENAI_PRICES_ATTRIBUTION = {
  name: '@pydantic/genai-prices',
  author: 'Pydantic Team',
  license: 'MIT',
  url: 'https://github.com/pydantic/genai-prices',
} as const;

/** A model whose dataset prices use units the platform's usage does not count (web searches, audio hours...). */
export interface UnsupportedPrices {
  readonly provider: string;
  readonly model: string;
  readonly priceKeys: readonly string[];
  /** True when nothing else prices the model, so it has no entry and its usage stays `unpriced`. */
  readonly modelUnpriced: boolean;
}

export interface GenaiPricesSeed {
  readonly attribution: typeof GENAI_PRICES_ATTRIBUTION;
  readonly entries: readonly PriceEntry[];
  readonly providerFallbacks: Readonly<Record<string, readonly string[]>>;
  readonly unsupported: readonly UnsupportedPrices[];
}

/**
 * The package's price data as `calcPrice` sees it: the snapshot bundled in the installed version, unless
 * the process has called its `updatePrices`. Nothing is fetched.
 */
export async function loadGenaiPricesProviders(): Promise<readonly Provider[]> {
  const providers = await waitForUpdate();
  if (!providers) throw new PricingError(PricingErrorCode.InvalidDataset, 'genai-prices', 'the package has no data');
  return providers;
}

/** genai-prices price keys the platform's usage can bill, with the rate they become. */
const RATE_OF_PRICE_KEY: ReadonlyMap<string, { readonly field: keyof PriceRates; readonly perUnits: number }> = new Map([
  ['input_mtok', { field: 'input', perUnits: 1 }],
  ['output_mtok', { field: 'output', perUnits: 1 }],
  ['cache_read_mtok', { field: 'cachedInput', perUnits: 1 }],
  ['cache_write_mtok', { field: 'cacheWrite', perUnits: 1 }],
  ['cache_write_1h_mtok', { field: 'cacheWrite1h', perUnits: 1 }],
  ['output_reasoning_mtok', { field: 'reasoning', perUnits: 1 }],
  ['input_audio_mtok', { field: 'inputAudio', perUnits: 1 }],
  ['cache_audio_read_mtok', { field: 'cachedInputAudio', perUnits: 1 }],
  ['output_audio_mtok', { field: 'outputAudio', perUnits: 1 }],
  ['input_image_mtok', { field: 'inputImage', perUnits: 1 }],
  ['cache_image_read_mtok', { field: 'cachedInputImage', perUnits: 1 }],
  ['output_image_mtok', { field: 'outputImage', perUnits: 1 }],
  // Priced per thousand requests in the dataset, per request here.
  ['requests_kcount', { field: 'perRequest', perUnits: 1000 }],
]);

/**
 * Converts genai-prices data into catalog entries, deterministically: the same data gives the same entries,
 * ids and order (the dataset's, which decides between two models whose patterns both match).
 *
 * - `match` becomes aliases (its top-level `equals`) and patterns (everything else, `and`/`or` kept).
 * - Conditional prices become effective-dated entries: a `start_date` opens a period at 00:00 UTC that the
 *   next one closes; a `time_of_date` becomes a daily window that beats the period's plain price, as in
 *   `calcPrice`, which tries the conditions from the last to the first.
 * - Tiered rates (`{ base, tiers }`) become entry tiers; price keys the usage cannot bill are reported in
 *   `unsupported`, and a model priced only in those gets no entry at all rather than a price of zero.
 */
export function seedFromGenaiPrices(providers: readonly Provider[]): GenaiPricesSeed {
  const entries: PriceEntry[] = [];
  const unsupported: UnsupportedPrices[] = [];
  const providerFallbacks: Record<string, readonly string[]> = {};

  providers.forEach((provider, p) => {
    if (provider.fallback_model_providers?.length) {
      providerFallbacks[provider.id] = [...provider.fallback_model_providers];
    }
    provider.models.forEach((model, m) => {
      const path = `providers/${p}/models/${m}`;
      const match = convertMatch(model, `${path}/match`);
      const dropped = new Set<string>();
      const periods = convertPeriods(model, dropped, `${path}/prices`);
      for (const period of periods) {
        entries.push({
          id: entryId(provider.id, model.id, period),
          provider: provider.id,
          model: model.id,
          ...match,
          effectiveFrom: period.from,
          effectiveTo: period.to,
          ...(period.window ? { timeOfDay: period.window } : {}),
          currency: 'USD',
          rates: period.rates,
          ...(period.tiers.length > 0 ? { tiers: period.tiers } : {}),
        });
      }
      if (dropped.size > 0) {
        unsupported.push({
          provider: provider.id,
          model: model.id,
          priceKeys: [...dropped].sort(),
          modelUnpriced: periods.length === 0,
        });
      }
    });
  });
  return { attribution: GENAI_PRICES_ATTRIBUTION, entries, providerFallbacks, unsupported };
}

interface Period {
  readonly from: string | null;
  readonly to: string | null;
  readonly window?: TimeOfDayWindow;
  readonly rates: PriceRates;
  readonly tiers: PriceTier[];
}

function entryId(provider: string, model: string, period: Period): string {
  const window = period.window ? `#${period.window.from}-${period.window.to}` : '';
  return `genai-prices:${provider}:${model}@${period.from ?? 'origin'}${window}`;
}

function convertMatch(model: ModelInfo, path: string): { aliases?: string[]; patterns?: ModelPattern[] } {
  const aliases: string[] = [];
  const patterns: ModelPattern[] = [];
  const visit = (logic: MatchLogic, at: string): void => {
    if ('or' in logic) logic.or.forEach((part, i) => visit(part, `${at}/or/${i}`));
    else if ('equals' in logic) {
      const alias = logic.equals.toLowerCase();
      if (alias !== model.id.toLowerCase() && !aliases.includes(alias)) aliases.push(alias);
    } else patterns.push(toPattern(logic, at));
  };
  visit(model.match, path);
  return { ...(aliases.length > 0 ? { aliases } : {}), ...(patterns.length > 0 ? { patterns } : {}) };
}

function toPattern(logic: MatchLogic, path: string): ModelPattern {
  if ('equals' in logic) return { kind: 'exact', value: logic.equals };
  if ('starts_with' in logic) return { kind: 'prefix', value: logic.starts_with };
  if ('ends_with' in logic) return { kind: 'suffix', value: logic.ends_with };
  if ('contains' in logic) return { kind: 'contains', value: logic.contains };
  if ('regex' in logic) return { kind: 'regex', value: logic.regex };
  if ('and' in logic) return { kind: 'all', patterns: logic.and.map((part, i) => toPattern(part, `${path}/and/${i}`)) };
  if ('or' in logic) return { kind: 'any', patterns: logic.or.map((part, i) => toPattern(part, `${path}/or/${i}`)) };
  return dataset(path, `unknown match rule ${JSON.stringify(logic)}`);
}

type Condition =
  | { readonly kind: 'always' }
  | { readonly kind: 'from'; readonly instant: string }
  | { readonly kind: 'daily'; readonly window: TimeOfDayWindow };

interface Conditional {
  readonly condition: Condition;
  readonly prices: ModelPrice;
}

/**
 * Splits time at every start date; within each span, walks the conditions from the last to the first as
 * `calcPrice` does: daily windows met on the way apply inside their window, the first condition that holds
 * for the whole span gives the plain price, and when none holds the first price set applies.
 */
function convertPeriods(model: ModelInfo, dropped: Set<string>, path: string): Period[] {
  const list: Conditional[] = Array.isArray(model.prices)
    ? model.prices.map((item, i) => ({
        condition: toCondition(item.constraint, `${path}/${i}/constraint`),
        prices: item.prices,
      }))
    : [{ condition: { kind: 'always' }, prices: model.prices }];
  const starts = [...new Set(list.flatMap((c) => (c.condition.kind === 'from' ? [c.condition.instant] : [])))].sort();
  const bounds: (string | null)[] = [null, ...starts, null];

  const byWindow = new Map<string, Period[]>();
  for (let s = 0; s + 1 < bounds.length; s += 1) {
    const from = bounds[s];
    const to = bounds[s + 1];
    const windows: { item: Conditional; window: TimeOfDayWindow }[] = [];
    let plain: Conditional | undefined;
    for (let i = list.length - 1; i >= 0 && !plain; i -= 1) {
      const { condition } = list[i];
      if (condition.kind === 'daily') windows.push({ item: list[i], window: condition.window });
      else if (condition.kind === 'always' || (from !== null && condition.instant <= from)) plain = list[i];
    }
    assertDisjointWindows(
      windows.map((w) => w.window),
      path,
    );
    for (const { item, window } of [{ item: plain ?? list[0], window: undefined }, ...windows]) {
      const converted = convertPrices(item.prices, dropped, path);
      if (!converted) continue;
      const key = window ? `${window.from}-${window.to}` : '';
      const periods = byWindow.get(key) ?? [];
      const last = periods.at(-1);
      if (last && last.to === from && samePrices(last, converted)) periods[periods.length - 1] = { ...last, to };
      else periods.push({ from, to, ...(window ? { window } : {}), ...converted });
      byWindow.set(key, periods);
    }
  }
  return [...byWindow.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([, periods]) => periods)
    .sort((a, b) => (a.from ?? '').localeCompare(b.from ?? ''));
}

function samePrices(a: Pick<Period, 'rates' | 'tiers'>, b: Pick<Period, 'rates' | 'tiers'>): boolean {
  return JSON.stringify([a.rates, a.tiers]) === JSON.stringify([b.rates, b.tiers]);
}

function toCondition(constraint: unknown, path: string): Condition {
  if (constraint === undefined) return { kind: 'always' };
  const c = (typeof constraint === 'object' && constraint !== null ? constraint : {}) as Record<string, unknown>;
  // The bundled data carries `type`; the raw JSON the package can refresh from may not.
  if (typeof c.start_date === 'string' && (c.type ?? 'start_date') === 'start_date') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(c.start_date) || Number.isNaN(Date.parse(`${c.start_date}T00:00:00Z`))) {
      dataset(`${path}/start_date`, `invalid date ${JSON.stringify(c.start_date)}`);
    }
    return { kind: 'from', instant: new Date(`${c.start_date}T00:00:00Z`).toISOString() };
  }
  const isDaily = (c.type ?? 'time_of_date') === 'time_of_date';
  if (typeof c.start_time === 'string' && typeof c.end_time === 'string' && isDaily) {
    return {
      kind: 'daily',
      window: { from: toUtcTime(c.start_time, `${path}/start_time`), to: toUtcTime(c.end_time, `${path}/end_time`) },
    };
  }
  return dataset(path, `unknown price constraint ${JSON.stringify(constraint)}`);
}

/** `16:30:00Z` or `00:30:00+08:00` to the UTC `HH:MM:SS` of the catalog. */
function toUtcTime(value: string, path: string): string {
  const match = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/.exec(value);
  if (!match || Number(match[1]) > 23 || Number(match[2]) > 59 || Number(match[3]) > 59) {
    return dataset(path, `invalid time of day ${JSON.stringify(value)}`);
  }
  if (match[4] !== undefined && Number(match[4]) !== 0) dataset(path, 'fractional seconds are not supported');
  const offset = match[5] === 'Z' ? 0 : (match[6] === '-' ? -1 : 1) * (Number(match[7]) * 3600 + Number(match[8]) * 60);
  const local = Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
  const utc = (((local - offset) % 86_400) + 86_400) % 86_400;
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(Math.floor(utc / 3600))}:${two(Math.floor((utc % 3600) / 60))}:${two(utc % 60)}`;
}

function assertDisjointWindows(windows: readonly TimeOfDayWindow[], path: string): void {
  const seconds = (time: string): number => time.split(':').reduce((sum, part) => sum * 60 + Number(part), 0);
  const spans = windows.flatMap((w) => {
    const [from, to] = [seconds(w.from), seconds(w.to)];
    return from < to
      ? [[from, to]]
      : [
          [from, 86_400],
          [0, to],
        ];
  });
  for (let i = 0; i < spans.length; i += 1) {
    for (let j = i + 1; j < spans.length; j += 1) {
      if (Math.max(spans[i][0], spans[j][0]) < Math.min(spans[i][1], spans[j][1])) {
        dataset(path, 'overlapping time-of-day prices: which one applies would depend on their order');
      }
    }
  }
}

/**
 * One price set to rates and tiers, or `undefined` when it only has keys the usage cannot bill. An empty set
 * is the dataset saying the model is free (`:free` variants, models included in a subscription).
 */
function convertPrices(prices: ModelPrice, dropped: Set<string>, path: string): Pick<Period, 'rates' | 'tiers'> | undefined {
  const supported = new Map<keyof PriceRates, { perUnits: number; price: DatasetPrice }>();
  let unsupportedKeys = 0;
  for (const [key, value] of Object.entries(prices)) {
    if (value === undefined) continue;
    const target = RATE_OF_PRICE_KEY.get(key);
    if (target) supported.set(target.field, { perUnits: target.perUnits, price: checkPrice(value, `${path}/${key}`) });
    else {
      dropped.add(key);
      unsupportedKeys += 1;
    }
  }
  if (supported.size === 0 && unsupportedKeys > 0) return undefined;

  const thresholds = [...supported.values()].flatMap(({ price }) =>
    typeof price === 'number' ? [] : price.tiers.map((tier) => tier.start),
  );
  const rateAt = (field: keyof PriceRates, threshold: number | null): string | undefined => {
    const found = supported.get(field);
    if (!found) return undefined;
    let price = typeof found.price === 'number' ? found.price : found.price.base;
    if (typeof found.price !== 'number' && threshold !== null) {
      for (const tier of found.price.tiers) if (tier.start <= threshold) price = tier.price;
    }
    // The dataset's numbers are JSON floats, some with binary noise (0.18000000000000002); 15 significant
    // digits, all a double holds reliably, give back the decimal that was meant.
    return new Money(price.toPrecision(15)).dividedBy(found.perUnits).toFixed();
  };
  const ratesAt = (threshold: number | null): PriceRates => {
    // Built in RATE_FIELDS order so that equal prices serialize equally.
    const rates: { -readonly [K in keyof PriceRates]: PriceRates[K] } = {
      input: rateAt('input', threshold) ?? '0',
      output: rateAt('output', threshold) ?? '0',
    };
    for (const field of RATE_FIELDS) {
      const rate = rates[field] === undefined ? rateAt(field, threshold) : undefined;
      if (rate !== undefined) rates[field] = rate;
    }
    return rates;
  };
  return {
    rates: ratesAt(null),
    tiers: [...new Set(thresholds)]
      .sort((a, b) => a - b)
      .map((aboveInputTokens) => ({ aboveInputTokens, rates: ratesAt(aboveInputTokens) })),
  };
}

type DatasetPrice = number | { readonly base: number; readonly tiers: readonly { start: number; price: number }[] };

function checkPrice(value: unknown, path: string): DatasetPrice {
  const isRate = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;
  if (isRate(value)) return value;
  const tiered = (typeof value === 'object' && value !== null ? value : {}) as { base?: unknown; tiers?: unknown };
  if (!isRate(tiered.base) || !Array.isArray(tiered.tiers)) {
    return dataset(path, `invalid price ${JSON.stringify(value)}`);
  }
  const tiers = tiered.tiers.map((tier: unknown, i) => {
    const { start, price } = (typeof tier === 'object' && tier !== null ? tier : {}) as Record<string, unknown>;
    if (typeof start !== 'number' || !Number.isSafeInteger(start) || start < 0 || !isRate(price)) {
      return dataset(`${path}/tiers/${i}`, 'a tier needs a non-negative integer start and a price');
    }
    return { start, price };
  });
  return { base: tiered.base, tiers: tiers.sort((a, b) => a.start - b.start) };
}

function dataset(field: string, message: string): never {
  throw new PricingError(PricingErrorCode.InvalidDataset, field, message);
}
