import { Inject, Injectable } from '@nestjs/common';
import type { ProviderKeyEvent, RecordedEvent, RouteEvent } from '@llmlab/contracts';
import { assertUnreachable } from '@llmlab/domain';
import { applyInTransaction, type ProjectionRef } from '@llmlab/messaging';
import { PG_POOL } from '@llmlab/service-kit';
import type { Pool, PoolClient } from 'pg';

/** The projection that builds the proxy's read models, and the name of its checkpoint row. */
export const PROXY_READ_MODELS: ProjectionRef = { schema: 'proxy', projection: 'read-models' };

/**
 * Applies the proxy's events, in order, to its read models, each with the checkpoint in the same transaction: a
 * redelivery changes nothing, and replaying the events from the start onto empty tables builds the same rows.
 */
@Injectable()
export class ProxyProjection {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  apply(event: RecordedEvent): Promise<boolean> {
    return applyInTransaction(this.pool, PROXY_READ_MODELS, event, (tx) => write(tx, event));
  }
}

async function write(tx: PoolClient, recorded: RecordedEvent): Promise<void> {
  const event = { type: recorded.type, data: recorded.data } as ProviderKeyEvent | RouteEvent;
  switch (event.type) {
    case 'ProviderKeyStored': {
      const d = event.data;
      await tx.query(
        `INSERT INTO proxy.provider_keys (project_id, provider, organization_id, provider_key_id, base_url, key_hint, sealed, stored_by,
           stored_at, revision)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (project_id, provider) DO UPDATE SET provider_key_id = EXCLUDED.provider_key_id, base_url = EXCLUDED.base_url,
           key_hint = EXCLUDED.key_hint, sealed = EXCLUDED.sealed, stored_by = EXCLUDED.stored_by, stored_at = EXCLUDED.stored_at,
           revision = EXCLUDED.revision
         WHERE proxy.provider_keys.revision < EXCLUDED.revision`,
        [
          d.projectId,
          d.provider,
          d.organizationId,
          d.providerKeyId,
          d.baseUrl,
          d.keyHint,
          JSON.stringify(d.sealed),
          d.storedBy,
          d.storedAt,
          recorded.revision,
        ],
      );
      return;
    }
    case 'ProviderKeyRemoved':
      await tx.query(`DELETE FROM proxy.provider_keys WHERE project_id = $1 AND provider = $2 AND provider_key_id = $3`, [
        event.data.projectId,
        event.data.provider,
        event.data.providerKeyId,
      ]);
      return;
    case 'RouteSet': {
      const d = event.data;
      await tx.query(
        `INSERT INTO proxy.routes (project_id, model, route_id, organization_id, targets, timeout_ms, updated_by, updated_at, cache_ttl_seconds,
           feature, recommendation_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (route_id) DO UPDATE SET targets = EXCLUDED.targets, timeout_ms = EXCLUDED.timeout_ms,
           cache_ttl_seconds = EXCLUDED.cache_ttl_seconds, recommendation_id = EXCLUDED.recommendation_id,
           updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
        [
          d.projectId,
          d.model,
          d.routeId,
          d.organizationId,
          JSON.stringify(d.targets),
          d.timeoutMs,
          d.setBy,
          d.at,
          d.cacheTtlSeconds ?? null,
          d.feature ?? null,
          d.recommendationId ?? null,
        ],
      );
      return;
    }
    case 'RouteRemoved':
      await tx.query(`DELETE FROM proxy.routes WHERE route_id = $1`, [event.data.routeId]);
      return;
    default:
      return assertUnreachable(event);
  }
}
