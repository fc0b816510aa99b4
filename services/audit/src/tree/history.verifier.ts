import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@llmlab/service-kit';
import { leafHash, MerkleFrontier, verifyTreeHead, type SignedTreeHead } from '@llmlab/transparency';
import { TreeHeadSigner } from '../signing/tree-head-signer';
import { checkChain, type Finding } from './chain-check';
import { MerkleTreeRepository } from './merkle-tree.repository';

const HEADS_PAGE = 1_000;

/**
 * Re-derives the tree from the store's rows, from the first event to the latest signed head, and compares the
 * root at every signed size with the signed root (whose signature it checks too). A superuser who rewrites a row
 * and re-hashes every later one keeps the chain intact; the roots the service signed before cannot follow.
 * Constant memory: rows are read in batches bounded in count and bytes, and the tree is kept as its right edge.
 */
@Injectable()
export class HistoryVerifier {
  lastCompletedAt: string | null = null;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly tree: MerkleTreeRepository,
    private readonly signer: TreeHeadSigner,
  ) {}

  async verify(): Promise<Finding | null> {
    const latest = await this.tree.latestHead();
    if (!latest) return null;
    const keys = await this.signer.keySet();
    const frontier = MerkleFrontier.empty();
    let previousHash: string | null = null;
    let heads: SignedTreeHead[] = await this.tree.heads(1, HEADS_PAGE);
    let exhausted = heads.length < HEADS_PAGE;
    let lastGoodHead = 0;
    while (frontier.treeSize < latest.treeSize) {
      const { rows } = await this.tree.readEvents(this.pool, frontier.treeSize);
      if (rows.length === 0) {
        const position = frontier.treeSize + 1;
        return {
          position,
          reason: 'position_gap',
          detail: `events from ${position} on are gone, though a signed head holds ${latest.treeSize}`,
        };
      }
      const signed = rows.filter((r) => r.position <= latest.treeSize);
      const broken = checkChain(signed, { treeSize: frontier.treeSize, lastEventHash: previousHash });
      if (broken) return broken;
      for (const row of signed) {
        frontier.append(leafHash(Buffer.from(row.hash, 'hex')));
        previousHash = row.hash;
        while (heads.length > 0 && heads[0].treeSize === frontier.treeSize) {
          const head = heads.shift() as SignedTreeHead;
          const signature = verifyTreeHead(head, keys);
          if (!signature.ok) {
            return {
              position: head.treeSize,
              reason: 'signed_root_mismatch',
              detail: `the tree head of ${head.treeSize} events fails its signature check (${signature.reason})`,
            };
          }
          if (frontier.root().toString('hex') !== head.rootHash) {
            const position = (await this.tree.firstLeafMismatch(head.treeSize)) ?? lastGoodHead + 1;
            return {
              position,
              reason: 'signed_root_mismatch',
              detail: `the events up to ${head.treeSize} no longer have the root signed at ${head.timestamp}: history was rewritten at or after event ${position}`,
            };
          }
          lastGoodHead = head.treeSize;
          if (heads.length === 0 && !exhausted) {
            heads = await this.tree.heads(frontier.treeSize + 1, HEADS_PAGE);
            exhausted = heads.length < HEADS_PAGE;
          }
        }
      }
    }
    this.lastCompletedAt = new Date().toISOString();
    return null;
  }
}
