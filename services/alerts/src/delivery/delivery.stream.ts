import { ALERT_DELIVERIES_STREAM, ALERT_DELIVERY_SUBJECT } from '@llmlab/contracts';
import { JetStreamApiError, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import type { StreamTopology } from '@llmlab/messaging';

/** JetStream's answer when a stream exists with another configuration. */
const STREAM_NAME_IN_USE = 10058;

/** Injection token of the ensured `DeliveryStream`. */
export const DELIVERY_STREAM = Symbol('DELIVERY_STREAM');

export interface DeliveryStream {
  name: string;
  /** Where jobs are published (prefixed). */
  subject: string;
}

/**
 * The alerts service's work queue of delivery jobs, named like the platform's streams (`ALERT_DELIVERIES`, or
 * `ALERT_DELIVERIES_<prefix>` on `<prefix>.alerts.deliveries.>`). Created or brought to this configuration at every
 * start, by every replica, in any order. The duplicate window absorbs a job republished after a crash between
 * publishing it and marking it published.
 */
export async function ensureDeliveryStream(jsm: JetStreamManager, topology: StreamTopology, replicas: number): Promise<DeliveryStream> {
  const name = topology.prefix ? `${ALERT_DELIVERIES_STREAM}_${topology.prefix}` : ALERT_DELIVERIES_STREAM;
  const config: Partial<StreamConfig> & { name: string } = {
    name,
    subjects: [topology.subject('alerts.deliveries.>')],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    num_replicas: replicas,
    duplicate_window: nanos(10 * 60_000),
    max_age: nanos(7 * 24 * 3_600_000),
  };
  try {
    await jsm.streams.add(config);
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== STREAM_NAME_IN_USE) throw err;
    const { name: _, ...settings } = config;
    await jsm.streams.update(name, settings);
  }
  return { name, subject: topology.subject(ALERT_DELIVERY_SUBJECT) };
}
