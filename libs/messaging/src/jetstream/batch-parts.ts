import type { JetStreamClient } from '@nats-io/jetstream';
import type { UsageBatchAccepted } from '@llmlab/contracts';

/** Room left in a NATS message for its headers (`Nats-Msg-Id` and the protocol line). */
const HEADER_ALLOWANCE = 1024;

export interface BatchPart {
  batchId: string;
  /** The events' positions in the list given to `split`. */
  indexes: number[];
  payload: string;
}

export type PartOutcome = { part: BatchPart; ok: true } | { part: BatchPart; ok: false; error: unknown };

export type BatchEnvelope = Omit<UsageBatchAccepted, 'batchId' | 'events'>;

/**
 * Cuts the accepted items of one request into messages that each fit in `maxPayload` bytes (the NATS server's
 * `max_payload`): usually one. A message is the envelope with the items under `field` (`UsageBatchAccepted`'s
 * `events`, `SpanBatchAccepted`'s `spans`). Each part has its own batch id, its JetStream message id. Items are
 * serialized once; a part is its envelope with the items' JSON spliced in.
 */
export function splitBatch<T>(
  envelope: BatchEnvelope | object,
  events: readonly T[],
  maxPayload: number,
  newBatchId: () => string,
  field = 'events',
): BatchPart[] {
  const budget = maxPayload - HEADER_ALLOWANCE;
  const serialized = events.map((event) => JSON.stringify(event));
  const parts: BatchPart[] = [];
  let current: { batchId: string; head: string; indexes: number[]; bytes: number } | undefined;
  const close = () => {
    if (!current) return;
    const { batchId, head, indexes } = current;
    parts.push({ batchId, indexes, payload: `${head}${indexes.map((i) => serialized[i]).join(',')}]}` });
    current = undefined;
  };
  serialized.forEach((json, index) => {
    const bytes = Buffer.byteLength(json);
    if (current && current.bytes + 1 + bytes + 2 > budget) close();
    if (!current) {
      const batchId = newBatchId();
      // The items last, so that the envelope's JSON ends with `"<field>":[]}` and the items go in between.
      const head = JSON.stringify({ batchId, ...envelope, [field]: [] }).slice(0, -2);
      current = { batchId, head, indexes: [], bytes: Buffer.byteLength(head) - 1 };
    }
    current.indexes.push(index);
    current.bytes += 1 + bytes;
  });
  close();
  return parts;
}

/** Publishes every part to the INGEST stream at once and reports which JetStream acknowledged. */
export async function publishParts(
  js: JetStreamClient,
  subject: string,
  parts: readonly BatchPart[],
  timeoutMs: number,
): Promise<PartOutcome[]> {
  const settled = await Promise.allSettled(
    parts.map((part) => js.publish(subject, part.payload, { msgID: part.batchId, timeout: timeoutMs })),
  );
  return settled.map((result, i) =>
    result.status === 'fulfilled' ? { part: parts[i], ok: true } : { part: parts[i], ok: false, error: result.reason },
  );
}
