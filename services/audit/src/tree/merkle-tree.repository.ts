import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { PG_POOL, SERVICE_CONFIG } from '@llmlab/service-kit';
import { canonicalEncodingOfRow, hashEncoding, type NodeId, type SignedTreeHead } from '@llmlab/transparency';
import type { AuditConfig } from '../audit.config';

/** Where the tree stands, as `audit.merkle_state` keeps it. */
export interface TreeState {
  treeSize: number;
  edge: string[];
  /** The event hash of the last leaf: the next event must chain to it. */
  lastEventHash: string | null;
}

/** One event as the tree reads it: what the chain links, and what it is hashed from. */
export interface StoreRow {
  position: number;
  prevHash: string;
  hash: string;
  /** The hash of the row's content, recomputed by the audit service itself. */
  computedHash: string;
  organizationId: string | null;
}

interface HeadRow {
  tree_size: string;
  root_hash: string;
  signed_at: Date;
  key_id: string;
  signature: string;
}

const HEAD_COLUMNS = 'tree_size, root_hash, signed_at, key_id, signature';

function toHead(row: HeadRow): SignedTreeHead {
  return {
    treeSize: Number(row.tree_size),
    rootHash: row.root_hash,
    timestamp: row.signed_at.toISOString(),
    keyId: row.key_id,
    signature: row.signature,
  };
}

/** The tree's tables (`audit.merkle_*`, `audit.tree_heads`) and the event store rows it is built from: queries only. */
@Injectable()
export class MerkleTreeRepository {
  /** What one read of events may hold: `AUDIT_TREE_BATCH_SIZE` events, `AUDIT_TREE_BATCH_BYTES` of them. */
  private readonly batch: { maxEvents: number; maxBytes: number };

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SERVICE_CONFIG) config: AuditConfig,
  ) {
    this.batch = { maxEvents: config.AUDIT_TREE_BATCH_SIZE, maxBytes: config.AUDIT_TREE_BATCH_BYTES };
  }

  /** One maintainer at a time across replicas: the lock lasts the transaction. */
  async tryLock(client: PoolClient): Promise<boolean> {
    const { rows } = await client.query<{ locked: boolean }>(
      `SELECT pg_try_advisory_xact_lock(hashtext('llmlab.audit'), hashtext('merkle-tree')) AS locked`,
    );
    return rows[0].locked;
  }

  async state(client: PoolClient | Pool = this.pool): Promise<TreeState> {
    const { rows } = await client.query<{ tree_size: string; edge: string[]; last_event_hash: string | null }>(
      'SELECT tree_size, edge, last_event_hash FROM audit.merkle_state WHERE id',
    );
    if (rows.length === 0) return { treeSize: 0, edge: [], lastEventHash: null };
    return { treeSize: Number(rows[0].tree_size), edge: rows[0].edge, lastEventHash: rows[0].last_event_hash };
  }

  async saveState(client: PoolClient, state: TreeState): Promise<void> {
    await client.query(
      `INSERT INTO audit.merkle_state (id, tree_size, edge, last_event_hash, updated_at) VALUES (true, $1, $2, $3, now())
       ON CONFLICT (id) DO UPDATE SET tree_size = EXCLUDED.tree_size, edge = EXCLUDED.edge,
         last_event_hash = EXCLUDED.last_event_hash, updated_at = now()`,
      [state.treeSize, JSON.stringify(state.edge), state.lastEventHash],
    );
  }

  /**
   * Events after `after`, in position order, with their content's hash recomputed here, in this process: the
   * store's own `event_store.event_hash` is a function a superuser can redefine, so it is not asked. The jsonb
   * columns come as PostgreSQL prints them (`::text`), which is what the encoding holds.
   *
   * At most `maxEvents` events, and no more than about `maxBytes` of them (their stored size; always at least one):
   * a ledger event can carry hundreds of usage records, and a count alone let one read hold 5,000 of them at once (a
   * heap that grew with the events' size, found by the soak). `more` says the read stopped at a bound, not at the
   * store's end.
   */
  async readEvents(
    client: PoolClient | Pool,
    after: number,
    bounds: { maxEvents: number; maxBytes: number } = this.batch,
  ): Promise<{ rows: StoreRow[]; more: boolean }> {
    const { rows } = await client.query<{
      position: string;
      stream_id: string;
      revision: string;
      event_id: string;
      type: string;
      version: number;
      data_text: string;
      metadata_text: string;
      recorded_at: string;
      prev_hash: string;
      hash: string;
      organization_id: string | null;
      fetched: string;
    }>(
      // The window sums stored sizes (pg_column_size reads a value's header, it does not detoast it); only the rows
      // kept are printed as text.
      `SELECT position, stream_id, revision, event_id, type, version, data::text AS data_text, metadata::text AS metadata_text,
              to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS recorded_at, prev_hash, hash,
              metadata->>'organizationId' AS organization_id, fetched
       FROM (
         SELECT e.*, sum(pg_column_size(e.data) + pg_column_size(e.metadata)) OVER (ORDER BY e.position) AS through,
                pg_column_size(e.data) + pg_column_size(e.metadata) AS size, count(*) OVER () AS fetched
         FROM (SELECT * FROM event_store.events WHERE position > $1 ORDER BY position LIMIT $2) e
       ) e
       WHERE through - size < $3
       ORDER BY position`,
      [after, bounds.maxEvents, bounds.maxBytes],
    );
    const fetched = rows.length > 0 ? Number(rows[0].fetched) : 0;
    return {
      more: fetched === bounds.maxEvents || rows.length < fetched,
      rows: rows.map((r) => ({
        position: Number(r.position),
        prevHash: r.prev_hash,
        hash: r.hash,
        computedHash: hashEncoding(
          canonicalEncodingOfRow({
            position: Number(r.position),
            streamId: r.stream_id,
            revision: Number(r.revision),
            eventId: r.event_id,
            type: r.type,
            version: r.version,
            dataText: r.data_text,
            metadataText: r.metadata_text,
            recordedAt: r.recorded_at,
            prevHash: r.prev_hash,
          }),
        ),
        organizationId: r.organization_id,
      })),
    };
  }

  async eventHashAt(client: PoolClient | Pool, position: number): Promise<string | null> {
    const { rows } = await client.query<{ hash: string }>('SELECT hash FROM event_store.events WHERE position = $1', [position]);
    return rows[0]?.hash ?? null;
  }

  /** The store's last position: how far the tree lags behind. */
  async storeHead(): Promise<number> {
    const { rows } = await this.pool.query<{ position: string | null }>('SELECT max(position) AS position FROM event_store.events');
    return Number(rows[0].position ?? 0);
  }

  /** The first position whose event hash no longer gives the leaf hash the tree holds for it, up to `treeSize`. */
  async firstLeafMismatch(treeSize: number): Promise<number | null> {
    const { rows } = await this.pool.query<{ position: string }>(
      `SELECT e.position FROM event_store.events e
       LEFT JOIN audit.merkle_nodes n ON n.level = 0 AND n.index = e.position - 1
       WHERE e.position <= $1 AND (n.hash IS NULL OR n.hash <> sha256('\\x00'::bytea || decode(e.hash, 'hex')))
       ORDER BY e.position LIMIT 1`,
      [treeSize],
    );
    return rows.length ? Number(rows[0].position) : null;
  }

  async insertNodes(client: PoolClient, nodes: ReadonlyArray<NodeId & { hash: Buffer }>): Promise<void> {
    if (nodes.length === 0) return;
    await client.query(
      `INSERT INTO audit.merkle_nodes (level, index, hash)
       SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])`,
      [nodes.map((n) => n.level), nodes.map((n) => n.index), nodes.map((n) => n.hash)],
    );
  }

  async nodes(ids: readonly NodeId[]): Promise<Map<string, Buffer>> {
    const { rows } = await this.pool.query<{ level: number; index: string; hash: Buffer }>(
      `SELECT n.level, n.index, n.hash FROM audit.merkle_nodes n
       JOIN unnest($1::smallint[], $2::bigint[]) AS w(level, index) ON n.level = w.level AND n.index = w.index`,
      [ids.map((i) => i.level), ids.map((i) => i.index)],
    );
    return new Map(rows.map((r) => [`${r.level}:${r.index}`, r.hash]));
  }

  async latestHead(client: PoolClient | Pool = this.pool): Promise<SignedTreeHead | null> {
    const { rows } = await client.query<HeadRow>(`SELECT ${HEAD_COLUMNS} FROM audit.tree_heads ORDER BY tree_size DESC LIMIT 1`);
    return rows.length ? toHead(rows[0]) : null;
  }

  async head(treeSize: number): Promise<SignedTreeHead | null> {
    const { rows } = await this.pool.query<HeadRow>(`SELECT ${HEAD_COLUMNS} FROM audit.tree_heads WHERE tree_size = $1`, [treeSize]);
    return rows.length ? toHead(rows[0]) : null;
  }

  /** Heads of `from` events or more, oldest first. */
  async heads(from: number, limit: number): Promise<SignedTreeHead[]> {
    const { rows } = await this.pool.query<HeadRow>(
      `SELECT ${HEAD_COLUMNS} FROM audit.tree_heads WHERE tree_size >= $1 ORDER BY tree_size LIMIT $2`,
      [from, limit],
    );
    return rows.map(toHead);
  }

  async insertHead(client: PoolClient, head: SignedTreeHead): Promise<void> {
    await client.query(`INSERT INTO audit.tree_heads (tree_size, root_hash, signed_at, key_id, signature) VALUES ($1, $2, $3, $4, $5)`, [
      head.treeSize,
      head.rootHash,
      head.timestamp,
      head.keyId,
      head.signature,
    ]);
  }
}
