import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@llmlab/service-kit';
import type { OrganizationEvent, ProjectEvent, RecordedEvent } from '@llmlab/contracts';
import { applyInTransaction } from '@llmlab/messaging';
import type { Pool } from 'pg';

export const DIRECTORY_PROJECTION = { schema: 'alerts', projection: 'directory' } as const;

/**
 * Names of organizations and projects from the auth service's events, so a notification says "project
 * checkout-bot" rather than an id. Everything else in `events.auth.>` is ignored (and checkpointed).
 */
@Injectable()
export class DirectoryProjection {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  apply(recorded: RecordedEvent): Promise<boolean> {
    const event = { type: recorded.type, data: recorded.data } as OrganizationEvent | ProjectEvent;
    return applyInTransaction(this.pool, DIRECTORY_PROJECTION, recorded, async (tx) => {
      const upsert = (kind: 'organization' | 'project', id: string, organizationId: string, name: string) =>
        tx.query(
          `INSERT INTO alerts.directory_names (kind, id, organization_id, name) VALUES ($1, $2, $3, $4)
           ON CONFLICT (kind, id) DO UPDATE SET name = EXCLUDED.name`,
          [kind, id, organizationId, name],
        );
      switch (event.type) {
        case 'OrganizationCreated':
          await upsert('organization', event.data.organizationId, event.data.organizationId, event.data.name);
          return;
        case 'OrganizationUpdated':
          if (event.data.name !== undefined)
            await upsert('organization', event.data.organizationId, event.data.organizationId, event.data.name);
          return;
        case 'ProjectCreated':
          await upsert('project', event.data.projectId, event.data.organizationId, event.data.name);
          return;
        case 'ProjectUpdated':
          if (event.data.name !== undefined) await upsert('project', event.data.projectId, event.data.organizationId, event.data.name);
          return;
        default:
          return;
      }
    });
  }
}
