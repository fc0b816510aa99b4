import { createHash } from 'node:crypto';

/**
 * The Merkle tree hashing and proofs of RFC 9162 (Certificate Transparency v2), section 2.1: the tree over the
 * event store's event hashes that the audit service signs. Pure: callers bring the hashes, or a way to read the
 * stored nodes of complete subtrees.
 */

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** MTH({}) = SHA-256 of the empty string. */
export const EMPTY_ROOT = createHash('sha256').digest();

/** MTH({d}) = SHA-256(0x00 || d). */
export function leafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/** SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** The largest power of two strictly smaller than n (n ≥ 2): where RFC 9162 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]) computed from all leaf hashes (in memory: tests, verifiers, small trees). */
export function rootFromLeafHashes(leaves: readonly Uint8Array[]): Buffer {
  if (leaves.length === 0) return EMPTY_ROOT;
  let level: Buffer[] = leaves.map((l) => Buffer.from(l));
  // Pairing left to right level by level, carrying an odd last node up unchanged, gives exactly MTH's split.
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i], level[i + 1]));
    if (level.length % 2 === 1) next.push(level[level.length - 1]);
    level = next;
  }
  return level[0];
}

/** Leaves [start, end) of the tree: a subtree whose hash a proof carries. */
export interface LeafRange {
  readonly start: number;
  readonly end: number;
}

/** A stored node: the root of the complete subtree of 2^level leaves starting at leaf index × 2^level. */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

function assertSizes(condition: boolean, message: string): void {
  if (!condition) throw new RangeError(message);
}

/** The ranges whose hashes make up PATH(m, D[n]) (RFC 9162 2.1.3.1), nearest the leaf first. */
export function inclusionRanges(leafIndex: number, treeSize: number): LeafRange[] {
  assertSizes(Number.isSafeInteger(leafIndex) && Number.isSafeInteger(treeSize), 'sizes must be integers');
  assertSizes(leafIndex >= 0 && leafIndex < treeSize, `leaf ${leafIndex} is not in a tree of ${treeSize}`);
  const path: LeafRange[] = [];
  const walk = (m: number, start: number, n: number): void => {
    if (n === 1) return;
    const k = splitPoint(n);
    if (m < k) {
      walk(m, start, k);
      path.push({ start: start + k, end: start + n });
    } else {
      walk(m - k, start + k, n - k);
      path.push({ start, end: start + k });
    }
  };
  walk(leafIndex, 0, treeSize);
  return path;
}

/** The ranges whose hashes make up PROOF(m, D[n]) (RFC 9162 2.1.4.1). */
export function consistencyRanges(first: number, second: number): LeafRange[] {
  assertSizes(Number.isSafeInteger(first) && Number.isSafeInteger(second), 'sizes must be integers');
  assertSizes(first >= 1 && first <= second, `no consistency proof from ${first} to ${second}`);
  const proof: LeafRange[] = [];
  const sub = (m: number, start: number, n: number, whole: boolean): void => {
    if (m === n) {
      if (!whole) proof.push({ start, end: start + n });
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      sub(m, start, k, whole);
      proof.push({ start: start + k, end: start + n });
    } else {
      sub(m - k, start + k, n - k, false);
      proof.push({ start, end: start + k });
    }
  };
  if (first < second) sub(first, 0, second, true);
  return proof;
}

/**
 * The complete, aligned subtrees whose hashes combine into MTH of a range, left to right. Every range a proof asks
 * for is either one complete subtree or the right edge of the tree, which splits into complete ones.
 */
export function rangeNodes(range: LeafRange): NodeId[] {
  const size = range.end - range.start;
  assertSizes(size >= 1, 'a range holds at least one leaf');
  if ((size & (size - 1)) === 0 && range.start % size === 0) {
    return [{ level: Math.log2(size), index: range.start / size }];
  }
  const k = splitPoint(size);
  return [...rangeNodes({ start: range.start, end: range.start + k }), ...rangeNodes({ start: range.start + k, end: range.end })];
}

/** MTH of a range from the stored nodes `rangeNodes` named (looked up with `node`). */
export function rangeHash(range: LeafRange, node: (id: NodeId) => Uint8Array): Buffer {
  const size = range.end - range.start;
  if ((size & (size - 1)) === 0 && range.start % size === 0) {
    return Buffer.from(node({ level: Math.log2(size), index: range.start / size }));
  }
  const k = splitPoint(size);
  return nodeHash(
    rangeHash({ start: range.start, end: range.start + k }, node),
    rangeHash({ start: range.start + k, end: range.end }, node),
  );
}

/** Every node the hashes of these ranges need: one batch to read from storage. */
export function nodesFor(ranges: readonly LeafRange[]): NodeId[] {
  const seen = new Map<string, NodeId>();
  for (const range of ranges) for (const id of rangeNodes(range)) seen.set(`${id.level}:${id.index}`, id);
  return [...seen.values()];
}

/** RFC 9162 2.1.3.2: does `auditPath` prove that `leaf` (a leaf hash) is at `leafIndex` of the tree with `rootHash`? */
export function verifyInclusion(input: {
  leafIndex: number;
  treeSize: number;
  leafHash: Uint8Array;
  auditPath: readonly Uint8Array[];
  rootHash: Uint8Array;
}): boolean {
  const { leafIndex, treeSize, auditPath } = input;
  if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize) || leafIndex < 0 || leafIndex >= treeSize) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r: Buffer = Buffer.from(input.leafHash);
  for (const p of auditPath) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(Buffer.from(input.rootHash));
}

/** RFC 9162 2.1.4.2: does `proof` show the tree of `second` leaves extends the tree of `first` leaves unchanged? */
export function verifyConsistency(input: {
  first: number;
  second: number;
  firstRoot: Uint8Array;
  secondRoot: Uint8Array;
  proof: readonly Uint8Array[];
}): boolean {
  const { first, second } = input;
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 1 || first > second) return false;
  const firstRoot = Buffer.from(input.firstRoot);
  const secondRoot = Buffer.from(input.secondRoot);
  if (first === second) return input.proof.length === 0 && firstRoot.equals(secondRoot);
  let path = input.proof.map((p) => Buffer.from(p));
  // A first tree that is a complete subtree is not in the proof: it is its own first node.
  if ((first & (first - 1)) === 0) path = [firstRoot, ...path];
  if (path.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Buffer = path[0];
  let sr: Buffer = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(firstRoot) && sr.equals(secondRoot);
}

/**
 * The right edge of a growing tree: the roots of its complete subtrees, largest first (one per set bit of the
 * size). Appending a leaf costs amortized two hashes and yields the nodes completed, for storage; the root of the
 * whole tree folds the edge. It is what the audit service keeps between batches.
 */
export class MerkleFrontier {
  private constructor(
    private size: number,
    private readonly edge: Buffer[],
  ) {}

  static empty(): MerkleFrontier {
    return new MerkleFrontier(0, []);
  }

  /** Restores a saved edge (`toJSON`); the caller vouches it matches its size. */
  static restore(saved: { size: number; edge: readonly string[] }): MerkleFrontier {
    let bits = 0;
    for (let n = saved.size; n > 0; n = Math.floor(n / 2)) bits += n % 2;
    assertSizes(bits === saved.edge.length, `an edge of ${saved.edge.length} nodes does not fit a tree of ${saved.size}`);
    return new MerkleFrontier(
      saved.size,
      saved.edge.map((h) => Buffer.from(h, 'hex')),
    );
  }

  get treeSize(): number {
    return this.size;
  }

  /** Appends one leaf hash; returns every node it completed (the leaf itself at level 0 first). */
  append(leaf: Uint8Array): Array<NodeId & { hash: Buffer }> {
    const index = this.size;
    let hash: Buffer = Buffer.from(leaf);
    const completed: Array<NodeId & { hash: Buffer }> = [{ level: 0, index, hash }];
    let level = 0;
    let position = index;
    // Each trailing 1 bit of the old size is a complete subtree of equal height to merge with.
    while (position % 2 === 1) {
      const left = this.edge.pop() as Buffer;
      hash = nodeHash(left, hash);
      level += 1;
      position = Math.floor(position / 2);
      completed.push({ level, index: position, hash });
    }
    this.edge.push(hash);
    this.size += 1;
    return completed;
  }

  root(): Buffer {
    if (this.edge.length === 0) return EMPTY_ROOT;
    let r: Buffer = this.edge[this.edge.length - 1];
    for (let i = this.edge.length - 2; i >= 0; i--) r = nodeHash(this.edge[i], r);
    return r;
  }

  toJSON(): { size: number; edge: string[] } {
    return { size: this.size, edge: this.edge.map((h) => h.toString('hex')) };
  }
}
