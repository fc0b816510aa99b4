import { checkChain } from './chain-check';
import type { StoreRow } from './merkle-tree.repository';

const h = (n: number) => n.toString(16).padStart(64, '0');
/** Rows that chain: each one's prev_hash is the hash before it, and its stored hash is its content's. */
const rows = (from: number, to: number): StoreRow[] =>
  Array.from({ length: to - from + 1 }, (_, i) => {
    const position = from + i;
    return {
      position,
      prevHash: position === 1 ? '0'.repeat(64) : h(position - 1),
      hash: h(position),
      computedHash: h(position),
      organizationId: null,
    };
  });

describe('checkChain', () => {
  it('accepts events that chain from the genesis hash, or from the tree’s last leaf', () => {
    expect(checkChain(rows(1, 5), { treeSize: 0, lastEventHash: null })).toBeNull();
    expect(checkChain(rows(6, 9), { treeSize: 5, lastEventHash: h(5) })).toBeNull();
    expect(checkChain([], { treeSize: 5, lastEventHash: h(5) })).toBeNull();
  });

  it('names a missing position', () => {
    const gap = rows(6, 9).filter((r) => r.position !== 7);
    expect(checkChain(gap, { treeSize: 5, lastEventHash: h(5) })).toMatchObject({ position: 7, reason: 'position_gap' });
  });

  it('names the first event that does not chain to the tree’s last leaf or to the event before it', () => {
    expect(checkChain(rows(6, 9), { treeSize: 5, lastEventHash: h(42) })).toMatchObject({ position: 6, reason: 'chain_broken' });
    const relinked = rows(6, 9).map((r) => (r.position === 8 ? { ...r, prevHash: h(99) } : r));
    expect(checkChain(relinked, { treeSize: 5, lastEventHash: h(5) })).toMatchObject({ position: 8, reason: 'chain_broken' });
  });

  it('names an event whose stored hash is not its content’s', () => {
    const edited = rows(6, 9).map((r) => (r.position === 7 ? { ...r, computedHash: h(1234) } : r));
    expect(checkChain(edited, { treeSize: 5, lastEventHash: h(5) })).toMatchObject({
      position: 7,
      reason: 'chain_broken',
      detail: expect.stringMatching(/content/),
    });
  });
});
