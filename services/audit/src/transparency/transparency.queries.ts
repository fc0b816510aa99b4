import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import {
  AuditErrorCode,
  type AuditExportEvent,
  type AuditExportPage,
  type AuditExportPageRequest,
  type AuditInclusionProof,
  type AuditIntegrityView,
  type AuditKeySetView,
  type ConsistencyProofRequest,
  type ConsistencyProofView,
  type InclusionProofRequest,
  type InclusionProofView,
  type ListTreeHeadsRequest,
  type RequestContext,
  type SignedTreeHeadView,
  type TreeHeadList,
} from '@llmlab/contracts';
import { FieldErrors, type OrganizationScope } from '@llmlab/domain';
import { PG_POOL } from '@llmlab/service-kit';
import { consistencyRanges, inclusionRanges, nodesFor, rangeHash, type LeafRange, type NodeId } from '@llmlab/transparency';
import { AccessLogRecorder } from '../access/access-log.recorder';
import { TreeHeadSigner } from '../signing/tree-head-signer';
import { HistoryVerifier } from '../tree/history.verifier';
import { IntegrityMonitor } from '../tree/integrity.monitor';
import { MerkleTreeRepository } from '../tree/merkle-tree.repository';
import { AuditError } from './transparency.errors';

const DEFAULT_HEADS = 100;
const MAX_HEADS = 1_000;
const DEFAULT_EXPORT_PAGE = 500;
const MAX_EXPORT_PAGE = 2_000;

interface ExportRow {
  position: string;
  stream_id: string;
  revision: string;
  event_id: string;
  type: string;
  version: number;
  data: unknown;
  metadata: unknown;
  recorded_at: string;
  prev_hash: string;
  hash: string;
}

/** Heads, keys, proofs, the integrity status and the export's pages: reads of the tree and the store only. */
@Injectable()
export class TransparencyQueries {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly tree: MerkleTreeRepository,
    private readonly signer: TreeHeadSigner,
    private readonly integrity: IntegrityMonitor,
    private readonly history: HistoryVerifier,
    private readonly accessLog: AccessLogRecorder,
  ) {}

  keys(): Promise<AuditKeySetView> {
    return this.signer.keySet();
  }

  async latestHead(): Promise<SignedTreeHeadView> {
    const head = await this.tree.latestHead();
    if (!head) throw new AuditError(AuditErrorCode.NoTreeHead, 'no tree head has been signed yet');
    return head;
  }

  async heads(request: ListTreeHeadsRequest): Promise<TreeHeadList> {
    const errors = new FieldErrors();
    const from = request.from ?? 1;
    const limit = request.limit ?? DEFAULT_HEADS;
    if (!Number.isSafeInteger(from) || from < 1) errors.add('/from', 'must be a tree size of at least 1');
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_HEADS) errors.add('/limit', `must be an integer from 1 to ${MAX_HEADS}`);
    this.throwIfInvalid(errors);
    const rows = await this.tree.heads(from, limit + 1);
    const data = rows.slice(0, limit);
    return { data, nextFrom: rows.length > limit ? rows[limit].treeSize : null };
  }

  async consistency(request: ConsistencyProofRequest): Promise<ConsistencyProofView> {
    const errors = new FieldErrors();
    if (!Number.isSafeInteger(request.first) || request.first < 1) errors.add('/first', 'must be a signed tree size');
    if (!Number.isSafeInteger(request.second) || request.second < 1) errors.add('/second', 'must be a signed tree size');
    if (errors.empty && request.first > request.second) errors.add('/first', 'must not be larger than second');
    this.throwIfInvalid(errors);
    const [first, second] = await Promise.all([this.signedHead(request.first), this.signedHead(request.second)]);
    return { first, second, proof: await this.hashesOf(consistencyRanges(first.treeSize, second.treeSize)) };
  }

  async inclusion(scope: OrganizationScope, request: InclusionProofRequest): Promise<InclusionProofView> {
    const errors = new FieldErrors();
    if (request.treeSize !== undefined && (!Number.isSafeInteger(request.treeSize) || request.treeSize < 1)) {
      errors.add('/treeSize', 'must be a signed tree size');
    }
    this.throwIfInvalid(errors);
    const { rows } = await this.pool.query<{ position: string; hash: string }>(
      `SELECT position, hash FROM event_store.events WHERE event_id = $1 AND metadata->>'organizationId' = $2`,
      [request.eventId, scope.organizationId],
    );
    if (rows.length === 0) throw new AuditError(AuditErrorCode.EventNotFound, 'event not found');
    const head = request.treeSize === undefined ? await this.latestHead() : await this.signedHead(request.treeSize);
    const position = Number(rows[0].position);
    if (position > head.treeSize) {
      throw new AuditError(AuditErrorCode.EventNotInTree, `event ${position} is newer than the tree head of ${head.treeSize} events`);
    }
    const auditPath = await this.hashesOf(inclusionRanges(position - 1, head.treeSize));
    return {
      eventId: request.eventId,
      position,
      leafIndex: position - 1,
      eventHash: rows[0].hash,
      treeSize: head.treeSize,
      auditPath,
      head,
    };
  }

  async integrityView(): Promise<AuditIntegrityView> {
    const incident = await this.integrity.current();
    const [state, latestHead] = await Promise.all([this.tree.state(), this.tree.latestHead()]);
    return {
      status: incident ? 'tampered' : state.treeSize > 0 ? 'verified' : 'pending',
      treeSize: state.treeSize,
      verifiedThrough: state.treeSize,
      latestHead,
      lastFullVerificationAt: this.history.lastCompletedAt,
      incident,
    };
  }

  /**
   * One page of the organization's events, oldest first, each with its inclusion proof against one signed head
   * (the latest when the export starts, then the same for every page); events newer than it carry none.
   */
  async exportPage(scope: OrganizationScope, request: AuditExportPageRequest, ctx: RequestContext): Promise<AuditExportPage> {
    const errors = new FieldErrors();
    const after = request.after ?? 0;
    const limit = request.limit ?? DEFAULT_EXPORT_PAGE;
    if (!Number.isSafeInteger(after) || after < 0) errors.add('/after', 'must be a position');
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_EXPORT_PAGE)
      errors.add('/limit', `must be an integer from 1 to ${MAX_EXPORT_PAGE}`);
    const from = request.from === undefined ? null : new Date(request.from);
    const to = request.to === undefined ? null : new Date(request.to);
    if (from && Number.isNaN(from.getTime())) errors.add('/from', 'must be a date-time');
    if (to && Number.isNaN(to.getTime())) errors.add('/to', 'must be a date-time');
    if (request.format !== undefined && request.format !== 'jsonl' && request.format !== 'csv')
      errors.add('/format', 'must be jsonl or csv');
    this.throwIfInvalid(errors);
    // The export is recorded once, with its first page, before anything of it is answered.
    if (after === 0)
      await this.accessLog.exported(scope, ctx, { format: request.format ?? 'jsonl', from: request.from ?? null, to: request.to ?? null });
    const head = request.treeSize === undefined ? await this.tree.latestHead() : await this.signedHead(request.treeSize);
    const { rows } = await this.pool.query<ExportRow>(
      `SELECT position, stream_id, revision, event_id, type, version, data, metadata,
              to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS recorded_at, prev_hash, hash
       FROM event_store.events
       WHERE metadata->>'organizationId' = $1 AND position > $2
         AND ($3::timestamptz IS NULL OR recorded_at >= $3) AND ($4::timestamptz IS NULL OR recorded_at < $4)
       ORDER BY position LIMIT $5`,
      [scope.organizationId, after, from, to, limit + 1],
    );
    const page = rows.slice(0, limit);
    const proven = head ? page.filter((r) => Number(r.position) <= head.treeSize) : [];
    const ranges = proven.map((r) => inclusionRanges(Number(r.position) - 1, (head as SignedTreeHeadView).treeSize));
    const node = await this.nodeLookup(ranges.flat());
    const proofs = new Map<number, AuditInclusionProof>();
    proven.forEach((r, i) => {
      const position = Number(r.position);
      proofs.set(position, {
        leafIndex: position - 1,
        treeSize: (head as SignedTreeHeadView).treeSize,
        auditPath: ranges[i].map((range) => rangeHash(range, node).toString('hex')),
      });
    });
    return {
      head,
      events: page.map((r) => ({ event: toExportEvent(r), proof: proofs.get(Number(r.position)) ?? null })),
      nextAfter: rows.length > limit ? Number(page[page.length - 1].position) : null,
    };
  }

  private async signedHead(treeSize: number): Promise<SignedTreeHeadView> {
    const head = await this.tree.head(treeSize);
    if (!head) throw new AuditError(AuditErrorCode.TreeHeadNotFound, `no tree head of ${treeSize} events was signed`);
    return head;
  }

  private async hashesOf(ranges: readonly LeafRange[]): Promise<string[]> {
    const node = await this.nodeLookup(ranges);
    return ranges.map((r) => rangeHash(r, node).toString('hex'));
  }

  /** Reads every stored node the ranges need in one query. */
  private async nodeLookup(ranges: readonly LeafRange[]): Promise<(id: NodeId) => Buffer> {
    const nodes = ranges.length ? await this.tree.nodes(nodesFor(ranges)) : new Map<string, Buffer>();
    return (id) => {
      const found = nodes.get(`${id.level}:${id.index}`);
      if (!found) throw new Error(`audit tree node ${id.level}:${id.index} is missing`);
      return found;
    };
  }

  private throwIfInvalid(errors: FieldErrors): void {
    if (!errors.empty) throw new AuditError(AuditErrorCode.Invalid, errors.message(), errors.errors);
  }
}

function toExportEvent(r: ExportRow): AuditExportEvent {
  return {
    position: Number(r.position),
    streamId: r.stream_id,
    revision: Number(r.revision),
    eventId: r.event_id,
    type: r.type,
    version: r.version,
    data: r.data,
    metadata: r.metadata,
    recordedAt: r.recorded_at,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
