import type { DeliveryEvent } from '@llmlab/contracts';
import type { PoolClient } from 'pg';
import { assertUnreachable } from '@llmlab/domain';

/** The state a delivery event leaves its row in; `pending` when another attempt follows. */
function stateAfter(event: DeliveryEvent): 'pending' | 'delivered' | 'failed' | 'dead' {
  switch (event.type) {
    case 'DeliverySucceeded':
      return 'delivered';
    case 'DeliveryFailed':
      return event.data.outcome === 'permanent' ? 'failed' : 'pending';
    case 'DeliveryDead':
      return 'dead';
    default:
      return assertUnreachable(event);
  }
}

function outcomeOf(event: DeliveryEvent): 'delivered' | 'retryable' | 'permanent' | 'dead' {
  switch (event.type) {
    case 'DeliverySucceeded':
      return 'delivered';
    case 'DeliveryFailed':
      return event.data.outcome;
    case 'DeliveryDead':
      return 'dead';
    default:
      return assertUnreachable(event);
  }
}

export function isFinal(event: DeliveryEvent): boolean {
  return stateAfter(event) !== 'pending';
}

/**
 * Records one delivery attempt from its event: a row of the delivery log (keyed by the event id, so recording it
 * twice adds nothing) and the delivery's state. Both the delivery consumer (right after the attempt) and the
 * read-model projection (in event order, when rebuilding) call it; a final state is never left again, and an
 * older attempt applied late does not overwrite the error of a newer one.
 * `releaseLease` is the consumer's: the projection must not free the lease of an attempt in progress.
 */
export async function recordDeliveryAttempt(
  tx: PoolClient,
  recorded: { id: string; type: string; data: unknown },
  options: { releaseLease: boolean },
): Promise<void> {
  const event = { type: recorded.type, data: recorded.data } as DeliveryEvent;
  const d = event.data;
  const reason = event.type === 'DeliverySucceeded' ? null : event.data.reason;
  const retryInMs = event.type === 'DeliveryFailed' ? event.data.retryInMs : null;
  await tx.query(
    `INSERT INTO alerts.delivery_attempts (event_id, delivery_id, attempt, outcome, reason, http_status, detail, retry_in_ms, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (event_id) DO NOTHING`,
    [recorded.id, d.deliveryId, d.attempt, outcomeOf(event), reason, d.httpStatus, d.detail, retryInMs, d.at],
  );
  const state = stateAfter(event);
  await tx.query(
    `UPDATE alerts.deliveries SET
       state = $2,
       attempts = GREATEST(attempts, $3),
       last_attempt_at = GREATEST(last_attempt_at, $4::timestamptz),
       delivered_at = CASE WHEN $2 = 'delivered' THEN $4::timestamptz ELSE delivered_at END,
       last_error = CASE WHEN $2 = 'delivered' THEN NULL WHEN $2 <> 'pending' OR $3 >= attempts THEN $5 ELSE last_error END,
       lease_until = CASE WHEN $6::boolean OR $2 <> 'pending' THEN NULL ELSE lease_until END
     WHERE id = $1 AND state = 'pending'`,
    [d.deliveryId, state, d.attempt, d.at, d.detail, options.releaseLease],
  );
}
