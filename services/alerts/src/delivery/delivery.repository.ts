import { Inject, Injectable } from '@nestjs/common';
import { inTransaction } from '@llmlab/persistence';
import { PG_POOL } from '@llmlab/service-kit';
import type { AlertNotificationData, ChannelType, DeliveryEvent, SealedChannelConfig } from '@llmlab/contracts';
import type { Pool } from 'pg';
import { recordDeliveryAttempt } from './delivery-record';

export type Claim =
  | { kind: 'claimed'; attempt: number }
  /** Delivered, failed or dead already, or unknown: nothing to do. */
  | { kind: 'settled' }
  /** Another consumer holds it: come back when its lease ends. */
  | { kind: 'leased'; retryInMs: number };

export interface DeliveryTargetRow {
  organizationId: string;
  notification: AlertNotificationData;
  channel: { type: ChannelType; config: SealedChannelConfig; removed: boolean };
}

/** The delivery consumer's operational writes on its rows. */
@Injectable()
export class DeliveryRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Counts the attempt and takes a lease in one committed statement, before anything is sent: the attempt bound
   * holds across crashes, and a redelivered job does not send while another consumer is at it.
   */
  async claim(deliveryId: string, leaseMs: number): Promise<Claim> {
    const claimed = await this.pool.query<{ attempts: number }>(
      `UPDATE alerts.deliveries SET attempts = attempts + 1, lease_until = now() + $2 * interval '1 millisecond'
       WHERE id = $1 AND state = 'pending' AND (lease_until IS NULL OR lease_until < now())
       RETURNING attempts`,
      [deliveryId, leaseMs],
    );
    if (claimed.rows.length) return { kind: 'claimed', attempt: claimed.rows[0].attempts };
    const { rows } = await this.pool.query<{ state: string; wait_ms: string | null }>(
      `SELECT state, ceil(extract(epoch FROM lease_until - now()) * 1000)::text AS wait_ms FROM alerts.deliveries WHERE id = $1`,
      [deliveryId],
    );
    if (!rows.length || rows[0].state !== 'pending') return { kind: 'settled' };
    return { kind: 'leased', retryInMs: Math.max(Number(rows[0].wait_ms ?? 0), 0) + 250 };
  }

  async target(deliveryId: string): Promise<DeliveryTargetRow | undefined> {
    const { rows } = await this.pool.query<{
      organization_id: string;
      notification: AlertNotificationData;
      type: ChannelType;
      config: SealedChannelConfig;
      removed_at: Date | null;
    }>(
      `SELECT d.organization_id, a.notification, c.type, c.config, c.removed_at
       FROM alerts.deliveries d JOIN alerts.alerts a ON a.id = d.alert_id JOIN alerts.channels c ON c.id = d.channel_id
       WHERE d.id = $1`,
      [deliveryId],
    );
    const row = rows[0];
    return (
      row && {
        organizationId: row.organization_id,
        notification: row.notification,
        channel: { type: row.type, config: row.config, removed: row.removed_at !== null },
      }
    );
  }

  /** Records an attempt's event (with the id it was appended under) and frees the claim's lease. */
  async record(event: DeliveryEvent & { id: string }): Promise<void> {
    await inTransaction(this.pool, (client) => recordDeliveryAttempt(client, event, { releaseLease: true }));
  }
}
