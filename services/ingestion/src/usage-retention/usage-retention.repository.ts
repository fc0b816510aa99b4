import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import type { RecordedEvent, UsageRetentionChangedData } from '@llmlab/contracts';
import { PG_POOL } from '@llmlab/service-kit';

/** An organization that keeps its usage detail a bounded number of days. */
export interface OrganizationRetention {
  organizationId: string;
  retentionDays: number;
}

/**
 * The `ingestion.usage_retention` read model: each organization's retention as last changed, written by the
 * projection (inside its transaction), read by the maintenance job. An organization never changed has no row
 * (it keeps everything).
 */
@Injectable()
export class UsageRetentionRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Upserts the organization's row; an event older than the row's revision (a replay) changes nothing. */
  async apply(tx: PoolClient, event: RecordedEvent<'UsageRetentionChanged', UsageRetentionChangedData>): Promise<void> {
    const d = event.data;
    await tx.query(
      `INSERT INTO ingestion.usage_retention (organization_id, retention_days, revision, updated_at)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (organization_id) DO UPDATE
         SET retention_days = EXCLUDED.retention_days, revision = EXCLUDED.revision, updated_at = EXCLUDED.updated_at
         WHERE ingestion.usage_retention.revision < EXCLUDED.revision`,
      [d.organizationId, d.usageRetentionDays, event.revision, d.changedAt],
    );
  }

  /** The organizations whose usage detail expires (those keeping it forever are left out). */
  async organizationsWithRetention(): Promise<OrganizationRetention[]> {
    const { rows } = await this.pool.query<{ organization_id: string; retention_days: number }>(
      `SELECT organization_id, retention_days FROM ingestion.usage_retention
        WHERE retention_days IS NOT NULL ORDER BY organization_id`,
    );
    return rows.map((r) => ({ organizationId: r.organization_id, retentionDays: r.retention_days }));
  }
}
