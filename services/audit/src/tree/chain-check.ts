import type { Incident } from './integrity.monitor';
import type { StoreRow } from './merkle-tree.repository';

export type Finding = Omit<Incident, 'detectedAt'>;

/** `prev_hash` of the store's first event. */
const GENESIS_HASH = '0'.repeat(64);

/**
 * The first thing wrong with events read after the tree's last leaf: a missing position, an event that does not
 * chain to the one before it, or a stored hash that is not its content's. Null when they all hold.
 */
export function checkChain(rows: readonly StoreRow[], from: { treeSize: number; lastEventHash: string | null }): Finding | null {
  let expected = from.treeSize + 1;
  let previous = from.lastEventHash ?? GENESIS_HASH;
  for (const row of rows) {
    if (row.position !== expected) {
      return { position: expected, reason: 'position_gap', detail: `position ${expected} is missing (the next row is ${row.position})` };
    }
    if (row.prevHash !== previous) {
      return {
        position: row.position,
        reason: 'chain_broken',
        detail: `event ${row.position} does not chain to the hash of event ${row.position - 1}`,
      };
    }
    if (row.hash !== row.computedHash) {
      return {
        position: row.position,
        reason: 'chain_broken',
        detail: `event ${row.position}'s stored hash is not the hash of its content`,
      };
    }
    previous = row.hash;
    expected += 1;
  }
  return null;
}
