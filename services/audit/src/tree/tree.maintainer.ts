import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { inTransaction } from '@llmlab/persistence';
import { LOGGER, PG_POOL, SERVICE_CONFIG, startPollingLoop, type BackgroundWorker, type PollingLoopHandle } from '@llmlab/service-kit';
import { leafHash, MerkleFrontier, type NodeId, type SignedTreeHead } from '@llmlab/transparency';
import type { AuditConfig } from '../audit.config';
import { TreeHeadSigner } from '../signing/tree-head-signer';
import { IntegrityMonitor, type Incident } from './integrity.monitor';
import { checkChain } from './chain-check';
import { MerkleTreeRepository } from './merkle-tree.repository';
import { HistoryVerifier } from './history.verifier';

/**
 * Maintains the Merkle tree over the event store and signs its heads. Each round, in one transaction under a lock
 * (one maintainer across replicas): checks the last leaf's event still holds the hash the tree recorded, reads the
 * next events, checks they chain and hash as stored, adds them, and signs a head every N events or M seconds. It
 * never adds or signs anything while an integrity incident is open. In a loop of its own, every interval, it
 * re-derives the whole signed history from the store (`HistoryVerifier`), which is what catches a rewrite made
 * consistent by a superuser who also rewrote this service's tables.
 */
@Injectable()
export class TreeMaintainer implements BackgroundWorker {
  readonly name = 'audit-merkle-tree';
  private loop?: PollingLoopHandle;
  private verification?: PollingLoopHandle;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SERVICE_CONFIG) private readonly config: AuditConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly tree: MerkleTreeRepository,
    private readonly signer: TreeHeadSigner,
    private readonly integrity: IntegrityMonitor,
    private readonly history: HistoryVerifier,
  ) {}

  async start(): Promise<void> {
    this.loop = startPollingLoop({
      round: () => this.round(),
      intervalMs: this.config.AUDIT_TREE_POLL_MS,
      logger: this.logger,
      failureMessage: 'audit: maintaining the Merkle tree failed; retrying',
    });
    // Its own loop: re-deriving a large history takes minutes, and the tree must not wait for it.
    this.verification = startPollingLoop({
      round: () => this.verifyHistory(),
      // Looks every minute at most, verifies once per interval: the first time as soon as there is a signed head.
      intervalMs: Math.min(this.config.AUDIT_FULL_VERIFICATION_INTERVAL_MS, 60_000),
      logger: this.logger,
      failureMessage: 'audit: the full verification failed; retrying',
    });
  }

  async stop(): Promise<void> {
    await Promise.all([this.loop?.stop(), this.verification?.stop()]);
  }

  /** The whole signed history against the store, once per interval (sooner the first time: see the loop). */
  async verifyHistory(): Promise<boolean> {
    if (await this.integrity.current()) return false;
    const last = this.history.lastCompletedAt;
    if (last && Date.now() - Date.parse(last) < this.config.AUDIT_FULL_VERIFICATION_INTERVAL_MS) return false;
    const finding = await this.history.verify();
    if (finding) await this.integrity.report(finding);
    return false;
  }

  /** One round; true when it stopped at a batch's bounds (more is waiting). */
  async round(now: Date = new Date()): Promise<boolean> {
    if (await this.integrity.current()) return false;
    const outcome = await inTransaction(this.pool, async (client) => {
      if (!(await this.tree.tryLock(client))) return { more: false, finding: null };
      const state = await this.tree.state(client);
      if (state.treeSize > 0) {
        const anchor = await this.tree.eventHashAt(client, state.treeSize);
        if (anchor !== state.lastEventHash) return { more: false, finding: await this.locateRewrite(state.treeSize) };
      }
      const { rows, more } = await this.tree.readEvents(client, state.treeSize);
      const finding = checkChain(rows, state);
      const good = finding ? rows.filter((r) => r.position < finding.position) : rows;
      const frontier = MerkleFrontier.restore({ size: state.treeSize, edge: state.edge });
      const nodes: Array<NodeId & { hash: Buffer }> = [];
      for (const row of good) nodes.push(...frontier.append(leafHash(Buffer.from(row.hash, 'hex'))));
      if (good.length > 0) {
        await this.tree.insertNodes(client, nodes);
        await this.tree.saveState(client, { ...frontier.toJSON(), treeSize: frontier.treeSize, lastEventHash: good[good.length - 1].hash });
      }
      if (!finding) await this.maybeSign(client, frontier, now);
      return { more: more && !finding, finding, treeSize: frontier.treeSize };
    });
    if (outcome.finding) {
      await this.integrity.report(outcome.finding);
      return false;
    }
    if ('treeSize' in outcome && outcome.treeSize !== undefined) this.integrity.progress(outcome.treeSize, await this.tree.storeHead());
    return outcome.more;
  }

  private async maybeSign(client: Parameters<MerkleTreeRepository['insertHead']>[0], frontier: MerkleFrontier, now: Date): Promise<void> {
    const size = frontier.treeSize;
    if (size === 0) return;
    const last: SignedTreeHead | null = await this.tree.latestHead(client);
    if (last && last.treeSize >= size) return;
    const due =
      !last ||
      size - last.treeSize >= this.config.AUDIT_SIGN_EVERY_EVENTS ||
      now.getTime() - Date.parse(last.timestamp) >= this.config.AUDIT_SIGN_INTERVAL_MS;
    if (!due) return;
    const head = await this.signer.sign({ treeSize: size, rootHash: frontier.root().toString('hex'), timestamp: now.toISOString() });
    await this.tree.insertHead(client, head);
  }

  /** The last leaf's event changed: find the first event that no longer is the leaf the tree holds. */
  private async locateRewrite(treeSize: number): Promise<Omit<Incident, 'detectedAt'>> {
    const position = (await this.tree.firstLeafMismatch(treeSize)) ?? treeSize;
    return {
      position,
      reason: 'anchor_changed',
      detail: `event ${position} is no longer the event the audit tree recorded: the store was rewritten from there on`,
    };
  }
}
