import { MAX_RATE_INTEGER_DIGITS } from '@llmlab/contracts';
import { isDecimalString } from '@llmlab/domain';
import { RE2JS } from 're2js';
import type { ModelPattern, PriceEntry, PriceRates, PriceTier, TimeOfDayWindow } from './price-entry';
import { RATE_FIELDS } from './price-entry';
import { PricingError, PricingErrorCode } from './pricing.errors';
import { normalizeProvider } from './provider-names';

export interface PriceCatalogOptions {
  /**
   * Providers searched, in order, when a provider has no price for a model: Azure serves OpenAI's models at
   * OpenAI's prices, Vertex AI serves Anthropic's. Keys and values are provider ids.
   */
  readonly providerFallbacks?: Readonly<Record<string, readonly string[]>>;
  /**
   * What becomes of a `regex` pattern that RE2 cannot run (backreferences, lookaround). Every regex that RE2
   * accepts is matched by RE2 (re2js: time linear in the model id, whatever the pattern).
   * - `refuse` (the default, and what a tenant's new price gets): the entry is invalid, the field named; so is a
   *   regex longer than `PATTERN_LIMITS.maxRegexLength`.
   * - `never-match`: prices stored before that rule: the pattern matches nothing and the rest of the price book
   *   still works.
   * - `native`: the operator's catalog (genai-prices), whose few lookahead patterns are trusted data: JavaScript's
   *   own engine runs them.
   */
  readonly unsupportedRegex?: 'refuse' | 'never-match' | 'native';
}

/** Bounds on one price's patterns, so that the work of pricing one event is bounded (docs/security.md). */
export const PATTERN_LIMITS = {
  /** Characters of one `regex` pattern. */
  maxRegexLength: 256,
  /** Patterns of one price, counting those nested in `all` / `any`. */
  maxPatternsPerEntry: 20,
  /** Nesting of `all` / `any`. */
  maxPatternDepth: 4,
} as const;

const INDEX: unique symbol = Symbol('price-catalog-index');

/** Validated entries with a lookup index. Build it once with `createPriceCatalog`, resolve against it often. */
export interface PriceCatalog {
  readonly entries: readonly PriceEntry[];
  readonly providerFallbacks: Readonly<Record<string, readonly string[]>>;
  readonly [INDEX]: ReadonlyMap<string, ProviderIndex>;
}

export interface PriceQuery {
  readonly provider: string;
  readonly model: string;
  /** The usage event's own timestamp: the price in force then applies, whenever the event is priced. */
  readonly at: Date;
  /** The organization's own prices; they win over the catalog. */
  readonly organizationOverrides?: PriceCatalog;
  /**
   * Skip prices limited to a daily window (DeepSeek's off-peak hours): for traffic summed over a whole day, which
   * cannot say which of its calls fell in the window, the model's all-day price applies.
   */
  readonly ignoreTimeOfDay?: boolean;
}

export interface ResolvedPrice {
  readonly entry: PriceEntry;
  readonly origin: 'override' | 'catalog';
  readonly matchedBy: 'id' | 'alias' | 'pattern';
}

interface CompiledEntry {
  readonly entry: PriceEntry;
  readonly position: number;
  readonly from: number;
  readonly to: number;
  readonly window?: { readonly from: number; readonly to: number };
}

interface ModelGroup {
  readonly entries: CompiledEntry[];
  readonly matchers: ((modelId: string) => boolean)[];
}

interface ProviderIndex {
  readonly byId: Map<string, ModelGroup>;
  readonly byAlias: Map<string, ModelGroup[]>;
  /** In catalog order: among patterns, the first model that matches wins, as in genai-prices. */
  readonly withPatterns: ModelGroup[];
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d):([0-5]\d)$/;
const SECONDS_PER_DAY = 86_400;
const MS_PER_DAY = SECONDS_PER_DAY * 1000;

/**
 * Validates entries and indexes them by provider and model. Throws a `PricingError` naming the first bad
 * field (`entries/3/rates/input`), or the two entries of one model that would both apply at some instant.
 */
export function createPriceCatalog(entries: readonly PriceEntry[], options: PriceCatalogOptions = {}): PriceCatalog {
  const providers = new Map<string, ProviderIndex>();
  const groups = new Map<string, ModelGroup & { readonly aliases: Set<string> }>();
  const ids = new Set<string>();

  entries.forEach((entry, i) => {
    const path = `entries/${i}`;
    const compiled = compileEntry(entry, i, path);
    if (ids.has(entry.id)) invalid(`${path}/id`, `duplicate id ${JSON.stringify(entry.id)}`);
    ids.add(entry.id);

    const provider = normalizeProvider(entry.provider);
    const modelKey = normalizeModelId(entry.model);
    let index = providers.get(provider);
    if (!index) {
      index = { byId: new Map(), byAlias: new Map(), withPatterns: [] };
      providers.set(provider, index);
    }
    const groupKey = `${provider}\u0000${modelKey}`;
    let group = groups.get(groupKey);
    if (!group) {
      group = { entries: [], matchers: [], aliases: new Set() };
      groups.set(groupKey, group);
      index.byId.set(modelKey, group);
    }
    for (const other of group.entries) assertNoOverlap(other, compiled, path);
    group.entries.push(compiled);

    (entry.aliases ?? []).forEach((alias, j) => {
      if (typeof alias !== 'string' || alias.trim() === '') {
        invalid(`${path}/aliases/${j}`, 'must be a non-empty string');
      }
      const key = normalizeModelId(alias);
      if (group.aliases.has(key)) return;
      group.aliases.add(key);
      const list = index.byAlias.get(key) ?? [];
      list.push(group);
      index.byAlias.set(key, list);
    });
    const patterns = entry.patterns ?? [];
    if (patterns.length > 0 && group.matchers.length === 0) index.withPatterns.push(group);
    const unsupported = options.unsupportedRegex ?? 'refuse';
    if (unsupported === 'refuse' && countPatterns(patterns) > PATTERN_LIMITS.maxPatternsPerEntry) {
      invalid(`${path}/patterns`, `at most ${PATTERN_LIMITS.maxPatternsPerEntry} patterns in all, nested ones included`);
    }
    patterns.forEach((pattern, j) => group.matchers.push(compilePattern(pattern, `${path}/patterns/${j}`, unsupported, 0)));
  });

  const providerFallbacks = Object.fromEntries(
    Object.entries(options.providerFallbacks ?? {}).map(([from, to]) => [normalizeProvider(from), to.map(normalizeProvider)]),
  );
  return Object.freeze({ entries: Object.freeze([...entries]), providerFallbacks, [INDEX]: providers });
}

/**
 * The price in force for a model at an instant, or `undefined` when nothing prices it (the usage record is
 * then kept with cost status `unpriced`, never priced at zero).
 *
 * Order: the organization's overrides for the requested provider, then the catalog for that provider, then
 * the catalog of each of its fallback providers. Within one of these, the model whose id equals the query
 * beats a model with that alias, which beats the first model with a matching pattern; a model with no price
 * in force at `at` is skipped. Within a model, an entry whose daily window contains `at` beats one without.
 * In each of them, a dated id that finds nothing (`gpt-x-20250514`) is tried again as `gpt-x-2025-05-14`.
 */
export function resolvePrice(catalog: PriceCatalog, query: PriceQuery): ResolvedPrice | undefined {
  const at = query.at.getTime();
  if (Number.isNaN(at)) throw new RangeError('at: invalid date');
  const provider = normalizeProvider(query.provider);
  const modelIds = modelIdCandidates(provider, query.model);
  for (const [source, sourceProvider, origin] of priceSources(catalog, provider, query.organizationOverrides)) {
    const index = source[INDEX].get(sourceProvider);
    if (!index) continue;
    for (const modelId of modelIds) {
      const found = findInProvider(index, modelId, at, query.ignoreTimeOfDay === true);
      if (found) return { entry: found.entry.entry, origin, matchedBy: found.matchedBy };
    }
  }
  return undefined;
}

/** Where a provider's prices are looked for, in order: the organization's, the catalog's, its fallback providers'. */
function priceSources(
  catalog: PriceCatalog,
  provider: string,
  overrides: PriceCatalog | undefined,
): [PriceCatalog, string, ResolvedPrice['origin']][] {
  const sources: [PriceCatalog, string, ResolvedPrice['origin']][] = [];
  if (overrides) sources.push([overrides, provider, 'override']);
  sources.push([catalog, provider, 'catalog']);
  const fallbacks = Object.hasOwn(catalog.providerFallbacks, provider) ? catalog.providerFallbacks[provider] : [];
  for (const fallback of fallbacks) sources.push([catalog, fallback, 'catalog']);
  return sources;
}

/** What `resolvePrice` answers for a query, and the instants around its `at` between which it answers the same. */
export interface PriceSpan {
  readonly price?: ResolvedPrice;
  /** Epoch milliseconds (inclusive): `-Infinity` when nothing changes before `at`. */
  readonly from: number;
  /** Epoch milliseconds (exclusive): `Infinity` when nothing changes after `at`. */
  readonly until: number;
}

/**
 * `resolvePrice`, with the span of instants around `at` over which its answer stays the same for the same catalog,
 * overrides and model: for the same usage, a call at any instant of the span costs the same. A caller can keep the
 * answer for the span (the proxy prices its calls' headers that way) instead of asking again for each call. The span
 * ends at the nearest instant where any price of a model the query can match starts or stops, or where one of their
 * daily windows opens or closes: in between, which entries are in force, hence which one wins, cannot change.
 */
export function resolvePriceSpan(catalog: PriceCatalog, query: PriceQuery): PriceSpan {
  const price = resolvePrice(catalog, query);
  const at = query.at.getTime();
  const provider = normalizeProvider(query.provider);
  const sources = priceSources(catalog, provider, query.organizationOverrides);
  let from = -Infinity;
  let until = Infinity;
  const boundary = (instant: number) => {
    if (instant <= at) from = Math.max(from, instant);
    else until = Math.min(until, instant);
  };
  const day = Math.floor(at / MS_PER_DAY) * MS_PER_DAY;
  for (const modelId of modelIdCandidates(provider, query.model)) {
    for (const [source, sourceProvider] of sources) {
      const index = source[INDEX].get(sourceProvider);
      if (!index) continue;
      const groups = [
        ...(index.byId.has(modelId) ? [index.byId.get(modelId)!] : []),
        ...(index.byAlias.get(modelId) ?? []),
        ...index.withPatterns.filter((group) => group.matchers.some((matches) => matches(modelId))),
      ];
      for (const group of groups) {
        for (const entry of group.entries) {
          if (Number.isFinite(entry.from)) boundary(entry.from);
          if (Number.isFinite(entry.to)) boundary(entry.to);
          if (!entry.window || query.ignoreTimeOfDay) continue;
          for (const d of [day - MS_PER_DAY, day, day + MS_PER_DAY]) {
            boundary(d + entry.window.from * 1000);
            boundary(d + entry.window.to * 1000);
          }
        }
      }
    }
  }
  return { ...(price ? { price } : {}), from, until };
}

/** Model ids are compared without case or surrounding blanks, as genai-prices compares them. */
export function normalizeModelId(model: string): string {
  return model.trim().toLowerCase();
}

const COMPACT_DATE = /-(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)/g;

function modelIdCandidates(provider: string, model: string): string[] {
  let id = normalizeModelId(model);
  // The Gemini API names models `models/gemini-2.5-pro` in requests and `gemini-2.5-pro` in prices.
  if (provider === 'google' && id.startsWith('models/')) id = id.slice('models/'.length);
  const dashed = id.replace(COMPACT_DATE, (whole, y: string, m: string, d: string) => {
    const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
    return date.getUTCDate() === Number(d) ? `-${y}-${m}-${d}` : whole;
  });
  return dashed === id ? [id] : [id, dashed];
}

function findInProvider(
  index: ProviderIndex,
  modelId: string,
  at: number,
  ignoreTimeOfDay: boolean,
): { entry: CompiledEntry; matchedBy: ResolvedPrice['matchedBy'] } | undefined {
  const byId = index.byId.get(modelId);
  const exact = byId && entryAt(byId, at, ignoreTimeOfDay);
  if (exact) return { entry: exact, matchedBy: 'id' };
  for (const group of index.byAlias.get(modelId) ?? []) {
    const entry = entryAt(group, at, ignoreTimeOfDay);
    if (entry) return { entry, matchedBy: 'alias' };
  }
  for (const group of index.withPatterns) {
    if (!group.matchers.some((matches) => matches(modelId))) continue;
    const entry = entryAt(group, at, ignoreTimeOfDay);
    if (entry) return { entry, matchedBy: 'pattern' };
  }
  return undefined;
}

function entryAt(group: ModelGroup, at: number, ignoreTimeOfDay: boolean): CompiledEntry | undefined {
  const secondOfDay = (((at % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY) / 1000;
  let windowless: CompiledEntry | undefined;
  for (const candidate of group.entries) {
    if (at < candidate.from || at >= candidate.to) continue;
    if (!candidate.window) windowless ??= candidate;
    else if (!ignoreTimeOfDay && inWindow(candidate.window, secondOfDay)) return candidate;
  }
  return windowless;
}

function inWindow(window: { from: number; to: number }, second: number): boolean {
  return window.from < window.to ? second >= window.from && second < window.to : second >= window.from || second < window.to;
}

function compileEntry(entry: PriceEntry, position: number, path: string): CompiledEntry {
  if (typeof entry !== 'object' || entry === null) invalid(path, 'must be an object');
  for (const field of ['id', 'provider', 'model'] as const) {
    if (typeof entry[field] !== 'string' || entry[field].trim() === '') {
      invalid(`${path}/${field}`, 'must be a non-empty string');
    }
  }
  if (entry.currency !== 'USD') invalid(`${path}/currency`, 'must be USD');
  assertRates(entry.rates, `${path}/rates`);
  assertTiers(entry.tiers ?? [], `${path}/tiers`);
  if (entry.aliases !== undefined && !Array.isArray(entry.aliases)) invalid(`${path}/aliases`, 'must be an array');
  if (entry.patterns !== undefined && !Array.isArray(entry.patterns)) invalid(`${path}/patterns`, 'must be an array');

  const from = parseInstant(entry.effectiveFrom, `${path}/effectiveFrom`, -Infinity);
  const to = parseInstant(entry.effectiveTo, `${path}/effectiveTo`, Infinity);
  if (from >= to) invalid(`${path}/effectiveTo`, 'must be after effectiveFrom');
  const window = entry.timeOfDay === undefined ? undefined : parseWindow(entry.timeOfDay, `${path}/timeOfDay`);
  return { entry, position, from, to, ...(window ? { window } : {}) };
}

function assertRates(rates: PriceRates, path: string): void {
  if (typeof rates !== 'object' || rates === null) invalid(path, 'must be an object');
  const known = new Set<string>(RATE_FIELDS);
  for (const [field, value] of Object.entries(rates)) {
    if (!known.has(field)) invalid(`${path}/${field}`, `unknown rate (known: ${RATE_FIELDS.join(', ')})`);
    if (value !== undefined && !isDecimalString(value)) {
      invalid(`${path}/${field}`, 'must be a non-negative decimal string such as "0.075"');
    }
    if (value !== undefined && value.split('.')[0].replace(/^0+(?=\d)/, '').length > MAX_RATE_INTEGER_DIGITS) {
      invalid(`${path}/${field}`, `must have at most ${MAX_RATE_INTEGER_DIGITS} digits before the point`);
    }
  }
  if (rates.input === undefined) invalid(`${path}/input`, 'is required');
  if (rates.output === undefined) invalid(`${path}/output`, 'is required');
}

function assertTiers(tiers: readonly PriceTier[], path: string): void {
  if (!Array.isArray(tiers)) invalid(path, 'must be an array');
  let previous = -1;
  tiers.forEach((tier, i) => {
    const threshold = tier?.aboveInputTokens;
    if (!Number.isSafeInteger(threshold) || threshold < 0) {
      invalid(`${path}/${i}/aboveInputTokens`, 'must be a non-negative integer');
    }
    if (threshold <= previous) invalid(`${path}/${i}/aboveInputTokens`, 'tiers must be in increasing order');
    previous = threshold;
    assertRates(tier.rates, `${path}/${i}/rates`);
  });
}

function parseInstant(value: string | null, path: string, open: number): number {
  if (value === null) return open;
  if (typeof value !== 'string' || !RFC3339.test(value)) invalid(path, 'must be an RFC 3339 instant or null');
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) invalid(path, 'is not a valid date');
  return ms;
}

function parseWindow(window: TimeOfDayWindow, path: string): { from: number; to: number } {
  const from = parseTimeOfDay(window?.from, `${path}/from`);
  const to = parseTimeOfDay(window?.to, `${path}/to`);
  if (from === to) invalid(`${path}/to`, 'must differ from "from" (an all-day price needs no window)');
  return { from, to };
}

function parseTimeOfDay(value: unknown, path: string): number {
  const match = typeof value === 'string' ? TIME_OF_DAY.exec(value) : null;
  if (!match) invalid(path, 'must be HH:MM:SS (UTC)');
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

/** How many patterns a list holds, nested ones included (what `PATTERN_LIMITS.maxPatternsPerEntry` bounds). */
export function countPatterns(patterns: readonly ModelPattern[]): number {
  return patterns.reduce(
    (n, p) =>
      n +
      1 +
      (typeof p === 'object' && p !== null && (p.kind === 'all' || p.kind === 'any') && Array.isArray(p.patterns)
        ? countPatterns(p.patterns)
        : 0),
    0,
  );
}

/** How many `regex` patterns a list holds, nested ones included. */
export function countRegexPatterns(patterns: readonly ModelPattern[]): number {
  return patterns.reduce(
    (n, p) =>
      n +
      (p?.kind === 'regex' ? 1 : 0) +
      ((p?.kind === 'all' || p?.kind === 'any') && Array.isArray(p.patterns) ? countRegexPatterns(p.patterns) : 0),
    0,
  );
}

type Matcher = (modelId: string) => boolean;
const NEVER: Matcher = () => false;

function compileRegex(source: unknown, path: string, unsupported: 'refuse' | 'never-match' | 'native'): Matcher {
  if (typeof source !== 'string' || source === '') invalid(path, 'must be a non-empty string');
  if (unsupported === 'refuse' && source.length > PATTERN_LIMITS.maxRegexLength) {
    invalid(path, `must be at most ${PATTERN_LIMITS.maxRegexLength} characters`);
  }
  try {
    const regex = RE2JS.compile(source);
    return (id) => regex.matcher(id).find();
  } catch (error) {
    if (unsupported === 'never-match') return NEVER;
    if (unsupported === 'native') {
      const regex = new RegExp(source);
      return (id) => regex.test(id);
    }
    const reason = (error as Error).message.replace(/^error parsing regexp: /, '');
    return invalid(
      path,
      `is not a regular expression in RE2 syntax (${reason}): backreferences and lookaround are not supported, matching runs in linear time`,
    );
  }
}

function compilePattern(pattern: ModelPattern, path: string, unsupported: 'refuse' | 'never-match' | 'native', depth: number): Matcher {
  if (typeof pattern !== 'object' || pattern === null) invalid(path, 'must be an object');
  switch (pattern.kind) {
    case 'exact':
    case 'prefix':
    case 'suffix':
    case 'contains': {
      if (typeof pattern.value !== 'string' || pattern.value === '') {
        invalid(`${path}/value`, 'must be a non-empty string');
      }
      const value = pattern.value.toLowerCase();
      if (pattern.kind === 'exact') return (id) => id === value;
      if (pattern.kind === 'prefix') return (id) => id.startsWith(value);
      if (pattern.kind === 'suffix') return (id) => id.endsWith(value);
      return (id) => id.includes(value);
    }
    case 'regex':
      return compileRegex(pattern.value, `${path}/value`, unsupported);
    case 'all':
    case 'any': {
      if (!Array.isArray(pattern.patterns) || pattern.patterns.length === 0) {
        invalid(`${path}/patterns`, 'must be a non-empty array');
      }
      if (unsupported === 'refuse' && depth + 1 >= PATTERN_LIMITS.maxPatternDepth) {
        invalid(`${path}/patterns`, `all / any nest at most ${PATTERN_LIMITS.maxPatternDepth} levels deep`);
      }
      const parts = pattern.patterns.map((part, i) => compilePattern(part, `${path}/patterns/${i}`, unsupported, depth + 1));
      return pattern.kind === 'all' ? (id) => parts.every((m) => m(id)) : (id) => parts.some((m) => m(id));
    }
    default: {
      const unknown: never = pattern;
      return invalid(`${path}/kind`, `unknown pattern kind ${JSON.stringify((unknown as { kind: unknown }).kind)}`);
    }
  }
}

function assertNoOverlap(a: CompiledEntry, b: CompiledEntry, path: string): void {
  if (Math.max(a.from, b.from) >= Math.min(a.to, b.to)) return;
  const clash = a.window && b.window ? windowsOverlap(a.window, b.window) : !a.window && !b.window;
  if (clash) {
    throw new PricingError(
      PricingErrorCode.OverlappingPriceEntries,
      path,
      `overlaps entries/${a.position} (${a.entry.id}) for model ${a.entry.model}: both would apply at the same instant`,
    );
  }
}

function windowsOverlap(a: { from: number; to: number }, b: { from: number; to: number }): boolean {
  const spans = (w: { from: number; to: number }): [number, number][] =>
    w.from < w.to
      ? [[w.from, w.to]]
      : [
          [w.from, SECONDS_PER_DAY],
          [0, w.to],
        ];
  return spans(a).some(([af, at]) => spans(b).some(([bf, bt]) => Math.max(af, bf) < Math.min(at, bt)));
}

function invalid(field: string, message: string): never {
  throw new PricingError(PricingErrorCode.InvalidPriceEntry, field, message);
}
