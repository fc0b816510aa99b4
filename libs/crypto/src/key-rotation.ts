import type { Pool } from 'pg';
import type { MasterKeyRing } from './master-key';
import { subjectKeyLabel } from './subject-key.store';

/** A table of wrapped data keys, as `SubjectKeyStore` keeps them. */
export interface KeyTable {
  /** `<schema>.<table>` */
  name: string;
  /** The type of `subject_id` (`uuid`, `text`), to compare the primary key with its index. */
  idType: string;
}

export interface KeyTableReport {
  table: string;
  /** Keys read. */
  scanned: number;
  /** Keys re-wrapped by this run. */
  rewrapped: number;
  /** Keys already under the current master key. */
  alreadyCurrent: number;
  /** Keys changed or destroyed by someone else between the read and the write (left as they are now). */
  changedMeanwhile: number;
}

/** A key this run could not re-wrap: it stays as it is, and still needs the master key that wrapped it. */
export interface RotationProblem {
  table: string;
  subjectId?: string;
  /** Ids and formats only, never key material. */
  reason: string;
}

export interface RotationReport {
  currentKeyId: string;
  tables: KeyTableReport[];
  problems: RotationProblem[];
}

export interface RotationOptions {
  /** Keys read and written per statement. */
  batchSize?: number;
  /** Count what would change, write nothing. */
  dryRun?: boolean;
  /** Told after every batch (progress on large tables). */
  onBatch?: (table: KeyTableReport) => void;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * Every key table of the database, whatever the schema (the owner of a new one only has to give it the columns
 * of `SubjectKeyStore`), plus the tables that have a `wrapped_key` column but not the shape this tool can rotate:
 * those are reported, never silently passed over. Run it as a role that can see every schema (the migration role).
 */
export async function findKeyTables(pool: Pool): Promise<{ tables: KeyTable[]; problems: RotationProblem[] }> {
  const { rows } = await pool.query<{ schema: string; name: string; id_type: string | null; key_type: string | null }>(
    `SELECT c.table_schema AS schema, c.table_name AS name,
            max(c.udt_name) FILTER (WHERE c.column_name = 'subject_id') AS id_type,
            max(c.udt_name) FILTER (WHERE c.column_name = 'wrapped_key') AS key_type
       FROM information_schema.columns c
       JOIN information_schema.tables t USING (table_schema, table_name)
      WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
      GROUP BY c.table_schema, c.table_name
     HAVING bool_or(c.column_name = 'wrapped_key')
      ORDER BY 1, 2`,
  );
  const tables: KeyTable[] = [];
  const problems: RotationProblem[] = [];
  for (const row of rows) {
    const name = `${row.schema}.${row.name}`;
    if (!IDENTIFIER.test(row.schema) || !IDENTIFIER.test(row.name))
      problems.push({ table: name, reason: 'the table name is not a lower-case identifier' });
    else if (!row.id_type || !IDENTIFIER.test(row.id_type) || row.key_type !== 'bytea')
      problems.push({
        table: name,
        reason: 'has a wrapped_key column but not (subject_id, wrapped_key bytea): not a key table this tool knows',
      });
    else tables.push({ name, idType: row.id_type });
  }
  return { tables, problems };
}

/**
 * Re-wraps every data key of every key table under the current master key, so the previous one can be retired.
 * Safe while the services run: the data keys themselves do not change (nothing sealed under them is touched),
 * each batch is one UPDATE that replaces a key only if it still holds what was read (a key destroyed or re-wrapped
 * meanwhile is left alone), and until the end readers accept both master keys. Idempotent and resumable: keys
 * already under the current master key are skipped, so a re-run after an interruption continues where it stopped
 * and a run after a complete one writes nothing.
 */
export async function rotateWrappedKeys(pool: Pool, ring: MasterKeyRing, options: RotationOptions = {}): Promise<RotationReport> {
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error('the batch size must be a positive integer');
  const { tables, problems } = await findKeyTables(pool);
  const reports: KeyTableReport[] = [];
  for (const table of tables) reports.push(await rotateTable(pool, ring, table, batchSize, problems, options));
  return { currentKeyId: ring.current.id, tables: reports, problems };
}

async function rotateTable(
  pool: Pool,
  ring: MasterKeyRing,
  table: KeyTable,
  batchSize: number,
  problems: RotationProblem[],
  options: RotationOptions,
): Promise<KeyTableReport> {
  const report: KeyTableReport = { table: table.name, scanned: 0, rewrapped: 0, alreadyCurrent: 0, changedMeanwhile: 0 };
  let after: string | undefined;
  for (;;) {
    // Keyset pagination on the primary key: rows inserted meanwhile are under the current key already.
    const { rows } = await pool.query<{ subject_id: string; wrapped_key: Buffer }>(
      after === undefined
        ? `SELECT subject_id, wrapped_key FROM ${table.name} ORDER BY subject_id LIMIT $1`
        : `SELECT subject_id, wrapped_key FROM ${table.name} WHERE subject_id > $2::${table.idType} ORDER BY subject_id LIMIT $1`,
      after === undefined ? [batchSize] : [batchSize, after],
    );
    if (!rows.length) return report;
    after = rows[rows.length - 1].subject_id;
    report.scanned += rows.length;

    const ids: string[] = [];
    const stale: Buffer[] = [];
    const fresh: Buffer[] = [];
    for (const row of rows) {
      try {
        const rewrapped = ring.rewrap(row.wrapped_key, subjectKeyLabel(row.subject_id));
        if (!rewrapped) {
          report.alreadyCurrent++;
          continue;
        }
        ids.push(row.subject_id);
        stale.push(row.wrapped_key);
        fresh.push(rewrapped);
      } catch (err) {
        // The ring's messages name key ids and formats, never key material.
        problems.push({ table: table.name, subjectId: row.subject_id, reason: (err as Error).message });
      }
    }
    if (ids.length && !options.dryRun) {
      const { rowCount } = await pool.query(
        `UPDATE ${table.name} AS k SET wrapped_key = v.fresh
           FROM unnest($1::${table.idType}[], $2::bytea[], $3::bytea[]) AS v(subject_id, stale, fresh)
          WHERE k.subject_id = v.subject_id AND k.wrapped_key = v.stale`,
        [ids, stale, fresh],
      );
      report.rewrapped += rowCount ?? 0;
      report.changedMeanwhile += ids.length - (rowCount ?? 0);
    } else report.rewrapped += ids.length;
    options.onBatch?.({ ...report });
  }
}
