import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import type {
  RecordedEvent,
  UsageImportCompletedData,
  UsageImportFailedData,
  UsageImportFormat,
  UsageImportLineError,
  UsageImportPartRecordedData,
  UsageImportQueuedData,
  UsageImportStartedData,
  UsageImportStatus,
  UsageImportView,
} from '@llmlab/contracts';
import type { OrganizationScope } from '@llmlab/domain';
import { PG_POOL } from '@llmlab/service-kit';
import type { UsageImportEvent } from './usage-import.decider';

interface ImportRow {
  import_id: string;
  project_id: string;
  format: string;
  bytes: string;
  worker_status: string;
  lines_read: string;
  valid: string;
  rejected: string;
  counted: string;
  duplicates: string;
  errors: UsageImportLineError[];
  error_count: string;
  failure: string | null;
  created_at: Date;
  completed_at: Date | null;
}

/** The `usage_imports` read model: written by the projection (inside its transaction), read by the import queries. */
@Injectable()
export class UsageImportRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async apply(tx: PoolClient, event: RecordedEvent): Promise<void> {
    const typed = event as unknown as UsageImportEvent;
    switch (typed.type) {
      case 'UsageImportQueued': {
        const d: UsageImportQueuedData = typed.data;
        await tx.query(
          `INSERT INTO ingestion.usage_imports (import_id, organization_id, project_id, format, bytes, created_at)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
          [d.importId, d.organizationId, d.projectId, d.format, d.bytes, d.queuedAt],
        );
        return;
      }
      case 'UsageImportStarted': {
        const d: UsageImportStartedData = typed.data;
        await tx.query(`UPDATE ingestion.usage_imports SET worker_status = 'running' WHERE import_id = $1 AND worker_status = 'queued'`, [
          d.importId,
        ]);
        return;
      }
      case 'UsageImportPartRecorded': {
        const d: UsageImportPartRecordedData = typed.data;
        await tx.query(
          `UPDATE ingestion.usage_imports SET lines_read = $2, valid = valid + $3, rejected = rejected + $4,
             errors = errors || $5::jsonb, error_count = error_count + $6
           WHERE import_id = $1`,
          [d.importId, d.linesRead, d.accepted, d.rejected, JSON.stringify(d.errors), d.errorCount],
        );
        return;
      }
      case 'UsageImportCompleted': {
        const d: UsageImportCompletedData = typed.data;
        await tx.query(
          `UPDATE ingestion.usage_imports SET worker_status = 'completed', lines_read = $2, completed_at = $3 WHERE import_id = $1`,
          [d.importId, d.linesRead, d.completedAt],
        );
        return;
      }
      case 'UsageImportFailed': {
        const d: UsageImportFailedData = typed.data;
        await tx.query(
          `UPDATE ingestion.usage_imports SET worker_status = 'failed', failure = $2, completed_at = $3 WHERE import_id = $1`,
          [d.importId, d.reason, d.failedAt],
        );
        return;
      }
    }
  }

  /** What the projection counted of an import's `UsageRecorded`: new events, and copies of ids already counted. */
  async counted(tx: PoolClient, importId: string, counted: number, duplicates: number): Promise<void> {
    await tx.query('UPDATE ingestion.usage_imports SET counted = counted + $2, duplicates = duplicates + $3 WHERE import_id = $1', [
      importId,
      counted,
      duplicates,
    ]);
  }

  /** An import of the scope's organization, and of its project when the scope names one (an API key's). */
  async find(scope: OrganizationScope & { projectId?: string }, importId: string): Promise<UsageImportView | null> {
    const { rows } = await this.pool.query<ImportRow>(
      `SELECT * FROM ingestion.usage_imports WHERE import_id = $1 AND organization_id = $2 AND ($3::uuid IS NULL OR project_id = $3::uuid)`,
      [importId, scope.organizationId, scope.projectId ?? null],
    );
    return rows[0] ? toView(rows[0]) : null;
  }

  /** The organization owning an import (the gateway's tenant check), null when there is none. */
  async ownerOf(importId: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ organization_id: string }>(
      'SELECT organization_id FROM ingestion.usage_imports WHERE import_id = $1',
      [importId],
    );
    return rows[0]?.organization_id ?? null;
  }
}

function toView(row: ImportRow): UsageImportView {
  const valid = Number(row.valid);
  const counted = Number(row.counted);
  const duplicates = Number(row.duplicates);
  // The worker is done, but the projection has not counted every line yet: the counts are not final.
  const counting = row.worker_status === 'completed' && counted + duplicates < valid;
  return {
    importId: row.import_id,
    projectId: row.project_id,
    format: row.format as UsageImportFormat,
    status: (counting ? 'running' : row.worker_status) as UsageImportStatus,
    bytes: Number(row.bytes),
    linesRead: Number(row.lines_read),
    accepted: counted,
    duplicates,
    rejected: Number(row.rejected),
    errors: row.errors,
    errorsTruncated: Number(row.error_count) > row.errors.length,
    failure: row.failure,
    createdAt: row.created_at.toISOString(),
    completedAt: counting || !row.completed_at ? null : row.completed_at.toISOString(),
  };
}
