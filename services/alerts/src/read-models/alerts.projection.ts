import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@llmlab/service-kit';
import type { AlertsEvent, RecordedEvent } from '@llmlab/contracts';
import { applyInTransaction, type ProjectionRef } from '@llmlab/messaging';
import type { Pool, PoolClient } from 'pg';
import { recordDeliveryAttempt } from '../delivery/delivery-record';
import { ruleKeys } from '../evaluation/alert-rules.decider';
import { assertUnreachable } from '@llmlab/domain';
import { scopeColumns } from '../spend/scope';

/** The projection that builds the budgets, settings, channels, alerts and deliveries read models. */
export const ALERTS_READ_MODELS: ProjectionRef = { schema: 'alerts', projection: 'read-models' };

/**
 * Applies the alerts service's own events, in order, to its read models: settings, budgets, channels, alerts and
 * deliveries. An alert's deliveries are created with it, one per channel the organization has at that point of
 * the event order, so a rebuild makes the same rows.
 */
@Injectable()
export class AlertsProjection {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  apply(event: RecordedEvent): Promise<boolean> {
    return applyInTransaction(this.pool, ALERTS_READ_MODELS, event, (tx) => write(tx, event));
  }
}

async function write(tx: PoolClient, recorded: RecordedEvent): Promise<void> {
  const event = { type: recorded.type, data: recorded.data } as AlertsEvent;
  const revision = recorded.revision;
  switch (event.type) {
    case 'AlertSettingsUpdated': {
      const d = event.data;
      await tx.query(
        `INSERT INTO alerts.settings (organization_id, time_zone, rules, revision, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (organization_id) DO UPDATE SET time_zone = EXCLUDED.time_zone, rules = EXCLUDED.rules,
           revision = EXCLUDED.revision, updated_at = EXCLUDED.updated_at`,
        [d.organizationId, d.timeZone, JSON.stringify(d.rules), revision, d.updatedAt],
      );
      return;
    }
    case 'BudgetCreated': {
      const d = event.data;
      const scope = scopeColumns(d.scope);
      await tx.query(
        `INSERT INTO alerts.budgets (id, organization_id, name, scope_type, scope_id, scope_value, period, amount, currency, thresholds,
           time_zone, created_at, updated_at, revision, enforce)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14) ON CONFLICT (id) DO NOTHING`,
        [
          d.budgetId,
          d.organizationId,
          d.name,
          scope.scopeType,
          scope.scopeId,
          scope.scopeValue,
          d.period,
          d.amount.amount,
          d.amount.currency,
          d.thresholds,
          d.timeZone,
          d.createdAt,
          revision,
          d.enforce === true,
        ],
      );
      return;
    }
    case 'BudgetUpdated': {
      const d = event.data;
      await tx.query(
        `UPDATE alerts.budgets SET name = COALESCE($2, name), period = COALESCE($3, period), amount = COALESCE($4::numeric, amount),
           thresholds = COALESCE($5::integer[], thresholds), time_zone = COALESCE($6, time_zone), updated_at = $7, revision = $8,
           enforce = COALESCE($9, enforce)
         WHERE id = $1`,
        [
          d.budgetId,
          d.name ?? null,
          d.period ?? null,
          d.amount?.amount ?? null,
          d.thresholds ?? null,
          d.timeZone ?? null,
          d.updatedAt,
          revision,
          d.enforce ?? null,
        ],
      );
      return;
    }
    case 'BudgetDeleted':
      await tx.query(`UPDATE alerts.budgets SET deleted_at = $2, updated_at = $2, revision = $3 WHERE id = $1`, [
        event.data.budgetId,
        event.data.deletedAt,
        revision,
      ]);
      return;
    case 'ChannelAdded': {
      const d = event.data;
      await tx.query(
        `INSERT INTO alerts.channels (id, organization_id, type, name, description, config, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO NOTHING`,
        [d.channelId, d.organizationId, d.type, d.name, d.description, JSON.stringify(d.config), d.addedAt],
      );
      return;
    }
    case 'ChannelRemoved':
      await tx.query(`UPDATE alerts.channels SET removed_at = $2 WHERE id = $1`, [event.data.channelId, event.data.removedAt]);
      return;
    case 'AlertFired':
      return fireAlert(tx, event.data, revision);
    case 'AlertAcknowledged':
      await tx.query(
        `UPDATE alerts.alerts SET state = 'acknowledged', acknowledged_at = $2, acknowledged_by = $3, revision = $4 WHERE id = $1 AND state = 'firing'`,
        [event.data.alertId, event.data.acknowledgedAt, event.data.acknowledgedBy, revision],
      );
      return;
    case 'AlertResolved':
      await tx.query(`UPDATE alerts.alerts SET state = 'resolved', resolved_at = $2, resolution = $3, revision = $4 WHERE id = $1`, [
        event.data.alertId,
        event.data.resolvedAt,
        event.data.resolution,
        revision,
      ]);
      return;
    case 'DeliverySucceeded':
    case 'DeliveryFailed':
    case 'DeliveryDead':
      return recordDeliveryAttempt(tx, recorded, { releaseLease: false });
    default:
      return assertUnreachable(event);
  }
}

async function fireAlert(tx: PoolClient, d: Extract<AlertsEvent, { type: 'AlertFired' }>['data'], revision: number): Promise<void> {
  const scope = scopeColumns(d.scope);
  const inserted = await tx.query(
    `INSERT INTO alerts.alerts (id, organization_id, kind, rule_key, budget_id, scope_type, scope_id, scope_value, period_key, period_start,
       period_end, threshold, state, fired_at, notification, revision)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'firing', $13, $14, $15) ON CONFLICT (id) DO NOTHING`,
    [
      d.alertId,
      d.organizationId,
      d.kind,
      d.ruleKey,
      d.budgetId,
      scope.scopeType,
      scope.scopeId,
      scope.scopeValue,
      d.periodKey,
      d.notification.period.start,
      d.notification.period.end,
      d.threshold,
      d.firedAt,
      JSON.stringify(d.notification),
      revision,
    ],
  );
  if (inserted.rowCount === 0) return;
  await tx.query(
    `INSERT INTO alerts.deliveries (id, organization_id, alert_id, channel_id, channel_type, channel_name, state, created_at)
     SELECT $1::text || ':' || c.id::text, c.organization_id, $1::uuid, c.id, c.type, c.name, 'pending', $3
     FROM alerts.channels c WHERE c.organization_id = $2 AND c.removed_at IS NULL
     ON CONFLICT (id) DO NOTHING`,
    [d.alertId, d.organizationId, d.firedAt],
  );
  if (d.kind === 'anomaly' || d.kind === 'error_rate' || d.kind === 'trace_failures') {
    await tx.query(
      `INSERT INTO alerts.rule_state (organization_id, rule, scope_key, last_fired_at, last_alert_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (organization_id, rule, scope_key) DO UPDATE SET last_fired_at = EXCLUDED.last_fired_at, last_alert_id = EXCLUDED.last_alert_id
       WHERE alerts.rule_state.last_fired_at < EXCLUDED.last_fired_at`,
      [d.organizationId, d.kind, ruleKeys.cooldown(d.kind, d.scope), d.firedAt, d.alertId],
    );
  }
}
