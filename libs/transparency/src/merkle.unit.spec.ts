import {
  consistencyRanges,
  EMPTY_ROOT,
  inclusionRanges,
  leafHash,
  MerkleFrontier,
  nodeHash,
  nodesFor,
  rangeHash,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
  type NodeId,
} from './merkle';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Buffer => Buffer.from(s, 'hex');

// The Certificate Transparency reference leaves and the root of each tree size 0..8 (RFC 6962 test data, the
// hashing RFC 9162 keeps).
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) =>
  leafHash(unhex(h)),
);
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** Stored nodes of a whole tree, as the audit service keeps them. */
function storedNodes(leaves: readonly Buffer[]): (id: NodeId) => Buffer {
  const frontier = MerkleFrontier.empty();
  const nodes = new Map<string, Buffer>();
  for (const leaf of leaves) for (const n of frontier.append(leaf)) nodes.set(`${n.level}:${n.index}`, n.hash);
  return (id) => {
    const found = nodes.get(`${id.level}:${id.index}`);
    if (!found) throw new Error(`node ${id.level}:${id.index} is not stored`);
    return found;
  };
}

function inclusionProof(leaves: readonly Buffer[], leafIndex: number, treeSize: number): Buffer[] {
  const node = storedNodes(leaves);
  return inclusionRanges(leafIndex, treeSize).map((r) => rangeHash(r, node));
}

function consistencyProof(leaves: readonly Buffer[], first: number, second: number): Buffer[] {
  const node = storedNodes(leaves);
  return consistencyRanges(first, second).map((r) => rangeHash(r, node));
}

const MANY = Array.from({ length: 40 }, (_, i) => leafHash(Buffer.from(`event-${i}`)));

describe('RFC 9162 Merkle tree', () => {
  it('hashes the Certificate Transparency reference trees to their published roots', () => {
    expect(hex(EMPTY_ROOT)).toBe(CT_ROOTS[0]);
    for (let n = 0; n <= 8; n++) expect(hex(rootFromLeafHashes(CT_LEAVES.slice(0, n)))).toBe(CT_ROOTS[n]);
  });

  it('gives the reference inclusion and consistency proofs', () => {
    expect(inclusionProof(CT_LEAVES, 0, 8).map(hex)).toEqual([
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
    expect(inclusionProof(CT_LEAVES, 5, 8).map(hex)).toEqual([
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
    expect(consistencyProof(CT_LEAVES, 2, 8).map(hex).slice(0, 2)).toEqual([
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
  });

  it('keeps the same root incrementally as computed from all leaves, at every size', () => {
    const frontier = MerkleFrontier.empty();
    for (let n = 1; n <= MANY.length; n++) {
      frontier.append(MANY[n - 1]);
      expect(hex(frontier.root())).toBe(hex(rootFromLeafHashes(MANY.slice(0, n))));
      const restored = MerkleFrontier.restore(frontier.toJSON());
      expect(hex(restored.root())).toBe(hex(frontier.root()));
    }
  });

  it('proves every leaf of every tree size, and nothing else', () => {
    for (let n = 1; n <= MANY.length; n++) {
      const rootHash = rootFromLeafHashes(MANY.slice(0, n));
      for (let m = 0; m < n; m++) {
        const auditPath = inclusionProof(MANY, m, n);
        expect(verifyInclusion({ leafIndex: m, treeSize: n, leafHash: MANY[m], auditPath, rootHash })).toBe(true);
        // Another leaf, another index, a longer or shorter path, a changed hash: all refused.
        expect(verifyInclusion({ leafIndex: m, treeSize: n, leafHash: MANY[(m + 1) % MANY.length], auditPath, rootHash })).toBe(false);
        if (n > 1) expect(verifyInclusion({ leafIndex: (m + 1) % n, treeSize: n, leafHash: MANY[m], auditPath, rootHash })).toBe(false);
        expect(verifyInclusion({ leafIndex: m, treeSize: n, leafHash: MANY[m], auditPath: [...auditPath, rootHash], rootHash })).toBe(
          false,
        );
        if (auditPath.length > 0) {
          expect(verifyInclusion({ leafIndex: m, treeSize: n, leafHash: MANY[m], auditPath: auditPath.slice(1), rootHash })).toBe(false);
          const bent = auditPath.map((p, i) => (i === auditPath.length - 1 ? nodeHash(p, p) : p));
          expect(verifyInclusion({ leafIndex: m, treeSize: n, leafHash: MANY[m], auditPath: bent, rootHash })).toBe(false);
        }
      }
    }
  });

  it('proves every pair of sizes consistent, and refuses a rewritten history', () => {
    const rewritten = MANY.map((leaf, i) => (i === 3 ? leafHash(Buffer.from('forged')) : leaf));
    for (let second = 1; second <= MANY.length; second++) {
      const secondRoot = rootFromLeafHashes(MANY.slice(0, second));
      for (let first = 1; first <= second; first++) {
        const firstRoot = rootFromLeafHashes(MANY.slice(0, first));
        const proof = consistencyProof(MANY, first, second);
        expect(verifyConsistency({ first, second, firstRoot, secondRoot, proof })).toBe(true);
        // The attacker's tree agrees with the new root only if leaf 3 is beyond the first tree.
        const forgedRoot = rootFromLeafHashes(rewritten.slice(0, second));
        const forgedProof = consistencyProof(rewritten, first, second);
        expect(verifyConsistency({ first, second, firstRoot, secondRoot: forgedRoot, proof: forgedProof })).toBe(first <= 3);
        if (proof.length > 0) {
          expect(verifyConsistency({ first, second, firstRoot, secondRoot, proof: proof.slice(1) })).toBe(false);
        }
      }
    }
  });

  it('names each stored node a batch of proofs needs once', () => {
    const ids = nodesFor([...inclusionRanges(5, 37), ...consistencyRanges(9, 37)]);
    expect(new Set(ids.map((i) => `${i.level}:${i.index}`)).size).toBe(ids.length);
    expect(() => inclusionRanges(37, 37)).toThrow(RangeError);
    expect(() => consistencyRanges(0, 3)).toThrow(RangeError);
  });
});
