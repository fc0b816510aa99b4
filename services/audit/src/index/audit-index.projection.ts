import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { RecordedEvent } from '@llmlab/contracts';
import { applyInTransaction } from '@llmlab/messaging';
import { PG_POOL } from '@llmlab/service-kit';
import { describeEvent } from './event-descriptions';
import { withPrevious, type RememberedFields } from './field-memory';

export const AUDIT_INDEX_READ_MODEL = { schema: 'audit', projection: 'audit-index' } as const;

const TEXT_LIMIT = 512;
const clip = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value.slice(0, TEXT_LIMIT) : null);

/**
 * One entry per event, with the checkpoint in the same transaction: a redelivered event changes nothing. The
 * organization, project, actor, correlation id, IP and user agent come from the event's metadata; what it is about
 * and its sentence from `describeEvent`.
 */
@Injectable()
export class AuditIndexProjection {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async apply(event: RecordedEvent): Promise<boolean> {
    const description = describeEvent(event.type, event.data);
    const m = event.metadata;
    return applyInTransaction(this.pool, AUDIT_INDEX_READ_MODEL, event, async (client) => {
      let changes = description.changes;
      const { resource } = description;
      if (resource && (description.created || changes)) {
        const { rows } = await client.query<{ fields: RememberedFields }>(
          'SELECT fields FROM audit.entry_fields WHERE resource_type = $1 AND resource_id = $2',
          [resource.type, resource.id],
        );
        const completed = withPrevious(changes, description.created, rows[0]?.fields);
        changes = completed.changes;
        await client.query(
          `INSERT INTO audit.entry_fields (resource_type, resource_id, fields) VALUES ($1, $2, $3)
           ON CONFLICT (resource_type, resource_id) DO UPDATE SET fields = EXCLUDED.fields`,
          [resource.type, resource.id, JSON.stringify(completed.remembered)],
        );
      }
      await client.query(
        `INSERT INTO audit.entries (position, event_id, type, recorded_at, organization_id, project_id, actor_type, actor_id,
           resource_type, resource_id, correlation_id, ip, user_agent, summary, changes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT (position) DO NOTHING`,
        [
          event.position,
          event.id,
          event.type,
          event.recordedAt,
          clip(m.organizationId),
          clip(m.projectId),
          clip(m.actor?.type) ?? 'system',
          clip(m.actor?.id) ?? 'unknown',
          description.resource?.type ?? null,
          description.resource ? clip(description.resource.id) : null,
          clip(m.correlationId),
          clip(m.ip),
          clip(m.userAgent),
          description.summary,
          changes === null ? null : JSON.stringify(changes),
        ],
      );
    });
  }
}
