import { createHash } from 'node:crypto';
import type { PriceEntry } from '@llmlab/pricing';
import { stableJson } from './stable-json';

/**
 * SHA-256 over a dataset's seeded entries and fallbacks, keys sorted: the same data always gives the same hash, so
 * a refresh with the data already stored appends nothing. Computed by the handler and passed in the command.
 */
export function catalogContentHash(entries: readonly PriceEntry[], providerFallbacks: Readonly<Record<string, readonly string[]>>): string {
  return createHash('sha256').update(stableJson({ entries, providerFallbacks })).digest('hex');
}
