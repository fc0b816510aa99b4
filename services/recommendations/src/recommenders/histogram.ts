/**
 * The smallest token count bound under which `share` of the calls of a histogram fall (bucket 0: no tokens;
 * bucket b: 2^(b−1) to 2^b − 1 tokens, so its upper bound is 2^b − 1). Infinity when the histogram is empty.
 */
export function tokenPercentile(buckets: readonly number[], share: number): number {
  const total = buckets.reduce((n, c) => n + c, 0);
  if (total === 0) return Infinity;
  let seen = 0;
  for (let b = 0; b < buckets.length; b++) {
    seen += buckets[b];
    if (seen >= share * total) return b === buckets.length - 1 ? Infinity : 2 ** b - 1;
  }
  return Infinity;
}
