import type { RecordedEvent } from '@llmlab/contracts';
import { JetStreamApiError, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';

export interface StreamRef {
  name: string;
  /** The wildcard the stream captures, e.g. `events.>`. */
  subjects: string;
}

/**
 * Names of the platform's streams and subjects. Production uses no prefix (`EVENTS` on `events.>`); a test
 * passes one (`EVENTS_<p>` on `<p>.events.>`) so parallel files and runs never share a stream.
 */
export interface StreamTopology {
  prefix?: string;
  /** Every event of the store, published by the relay only. */
  events: StreamRef;
  /** Accepted usage batches waiting for ingestion (work queue: a message is gone once acknowledged). */
  ingest: StreamRef;
  /** Messages a consumer gave up on, with headers saying where they came from and why. */
  deadLetter: StreamRef;
  /** Puts the prefix in front of a subject: `subject('ingest.usage')`. */
  subject(subject: string): string;
}

export function streamTopology(prefix?: string): StreamTopology {
  if (prefix !== undefined && !/^[A-Za-z0-9_-]+$/.test(prefix)) {
    throw new Error(`stream prefix ${JSON.stringify(prefix)}: use letters, digits, '-' or '_'`);
  }
  const subject = (s: string) => (prefix ? `${prefix}.${s}` : s);
  const name = (n: string) => (prefix ? `${n}_${prefix}` : n);
  return {
    prefix,
    events: { name: name('EVENTS'), subjects: subject('events.>') },
    ingest: { name: name('INGEST'), subjects: subject('ingest.>') },
    deadLetter: { name: name('DLQ'), subjects: subject('dlq.>') },
    subject,
  };
}

const SUBJECT_TOKEN = /^[^\s.*>]+$/;

/**
 * `events.<context>.<Type>`, the context being the stream id's part before the first '.'
 * (`auth.project-0192…` + `ProjectCreated` → `events.auth.ProjectCreated`), so a consumer filters by context or
 * by type with plain NATS wildcards.
 */
export function eventSubject(event: Pick<RecordedEvent, 'streamId' | 'type'>, topology: StreamTopology = streamTopology()): string {
  const dot = event.streamId.indexOf('.');
  const context = dot > 0 ? event.streamId.slice(0, dot) : '';
  if (!SUBJECT_TOKEN.test(context)) {
    throw new Error(`event ${event.type} of stream ${event.streamId}: the stream id has no '<context>.' prefix`);
  }
  if (!SUBJECT_TOKEN.test(event.type)) {
    throw new Error(`event type ${JSON.stringify(event.type)} cannot be a subject token`);
  }
  return topology.subject(`events.${context}.${event.type}`);
}

export interface EnsureStreamsOptions {
  prefix?: string;
  /** 3 on a NATS cluster (DESIGN.md section 3); 1 on a single server. */
  replicas?: number;
  /** How long JetStream remembers a Nats-Msg-Id: a relay restarting within it publishes no duplicate. */
  duplicateWindowMs?: number;
}

/** JetStream's answer when a stream exists with another configuration. */
const STREAM_NAME_IN_USE = 10058;

/**
 * Creates the streams, or brings an existing one to this configuration. Idempotent: every service and the
 * relay call it at start, in any order.
 */
export async function ensureStreams(jsm: JetStreamManager, options: EnsureStreamsOptions = {}): Promise<StreamTopology> {
  const topology = streamTopology(options.prefix);
  const replicas = options.replicas ?? 1;
  const duplicateWindow = nanos(options.duplicateWindowMs ?? 2 * 60_000);
  const configs: NamedStreamConfig[] = [
    {
      ...baseConfig(topology.events, replicas, duplicateWindow),
      // The stream is a copy of the audit log: nobody may remove a message from it, only read.
      retention: RetentionPolicy.Limits,
      deny_delete: true,
      deny_purge: true,
    },
    { ...baseConfig(topology.ingest, replicas, duplicateWindow), retention: RetentionPolicy.Workqueue },
    { ...baseConfig(topology.deadLetter, replicas, duplicateWindow), retention: RetentionPolicy.Limits },
  ];
  for (const config of configs) await ensureStream(jsm, config);
  return topology;
}

type NamedStreamConfig = Partial<StreamConfig> & { name: string };

function baseConfig(ref: StreamRef, replicas: number, duplicateWindow: number): NamedStreamConfig {
  return {
    name: ref.name,
    subjects: [ref.subjects],
    storage: StorageType.File,
    num_replicas: replicas,
    duplicate_window: duplicateWindow,
  };
}

async function ensureStream(jsm: JetStreamManager, config: NamedStreamConfig): Promise<void> {
  try {
    await jsm.streams.add(config);
  } catch (err) {
    // Another instance created it first, or an older release did with other settings: converge on ours.
    if (!(err instanceof JetStreamApiError) || err.code !== STREAM_NAME_IN_USE) throw err;
    const { name, ...settings } = config;
    await jsm.streams.update(name, settings);
  }
}
