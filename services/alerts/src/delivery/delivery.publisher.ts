import type { AlertDeliveryJob } from '@llmlab/contracts';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Pool } from 'pg';

/**
 * The outbox of delivery jobs: the rows are created with their alert (in the projection's transaction), then
 * published with `Nats-Msg-Id` = the delivery id and marked. A crash in between leaves rows unpublished, which the
 * evaluation tick sweeps; a republish within the stream's duplicate window is dropped by JetStream, and a later
 * one finds the delivery claimed or final.
 */
export class DeliveryPublisher {
  constructor(
    private readonly pool: Pool,
    private readonly js: JetStreamClient,
    private readonly subject: string,
  ) {}

  publishForAlert(alertId: string): Promise<number> {
    return this.publish('alert_id = $1', [alertId]);
  }

  /** Rows left unpublished for longer than `graceMs` (their publisher died, or NATS was down). */
  sweep(graceMs: number): Promise<number> {
    return this.publish(`created_at < now() - $1 * interval '1 millisecond'`, [graceMs]);
  }

  private async publish(condition: string, params: unknown[]): Promise<number> {
    const { rows } = await this.pool.query<{ id: string; alert_id: string; channel_id: string; organization_id: string }>(
      `SELECT id, alert_id, channel_id, organization_id FROM alerts.deliveries WHERE published_at IS NULL AND ${condition} ORDER BY created_at LIMIT 500`,
      params,
    );
    for (const row of rows) {
      const job: AlertDeliveryJob = {
        deliveryId: row.id,
        alertId: row.alert_id,
        channelId: row.channel_id,
        organizationId: row.organization_id,
      };
      await this.js.publish(this.subject, JSON.stringify(job), { msgID: row.id });
      await this.pool.query('UPDATE alerts.deliveries SET published_at = now() WHERE id = $1', [row.id]);
    }
    return rows.length;
  }
}
