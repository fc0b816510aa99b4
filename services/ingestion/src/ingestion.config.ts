import { REMOTE_DATA_JSON_URL } from '@pydantic/genai-prices';
import { z } from '@llmlab/config';
import type { DomainServiceConfig } from '@llmlab/service-kit';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The ingestion service's own environment, validated with the common variables at start. */
export const ingestionEnv = {
  /**
   * What this process does of the service's background work (docs/operations.md, "Scaling ingestion"): `all`;
   * `intake` (usage and spans from the ingest stream, backfill imports: everything but the projection); or
   * `projection` (the read models, and the service's other upkeep: no intake). Requests are served in every role.
   */
  INGESTION_ROLE: z.enum(['all', 'intake', 'projection']).default('all'),
  /** Usage batches priced and appended at once by one process. */
  INGEST_CONCURRENCY: positiveInt(8),
  /** Deliveries of a batch before it goes to the dead-letter subject. */
  INGEST_MAX_DELIVER: positiveInt(5),
  /** JetStream redelivers a message not acknowledged within this time (a process that died mid-batch). */
  CONSUMER_ACK_WAIT_MS: positiveInt(30_000),
  /**
   * Days a claimed event id is remembered per project. More than the 35 days an event may be old when it
   * arrives, so a copy the gateway still accepts always finds the first one's claim (docs/ingestion.md).
   */
  DEDUP_WINDOW_DAYS: z.coerce.number().int().min(36).default(40),
  /** How often a replica looks for a catalog refresh made by another one. */
  PRICING_POLL_INTERVAL_MS: positiveInt(5_000),
  /** How long an organization's overrides are reused before the stream is read again. */
  OVERRIDES_CACHE_TTL_MS: positiveInt(2_000),
  /** How often the repricer looks for work when it found none. */
  REPRICE_INTERVAL_MS: positiveInt(1_000),
  /** Backfill imports one process runs at once (each reads its file and records it part by part). */
  USAGE_IMPORT_CONCURRENCY: positiveInt(1),
  /** Usage exports one process streams at once, each holding a database connection while it runs (a COPY). */
  USAGE_EXPORT_CONCURRENCY: positiveInt(3),
  /** Days an uploaded file waits for its import before the object store drops it. */
  USAGE_IMPORT_RETENTION_DAYS: positiveInt(30),
  /** Partition creation ahead and pruning of expired claims. */
  MAINTENANCE_INTERVAL_MS: positiveInt(3_600_000),
  PARTITION_MONTHS_AHEAD: positiveInt(2),
  /** Where `ingestion.cmd.refresh-pricing` with `source: remote` fetches the genai-prices data. */
  PRICING_DATA_URL: z.string().url().default(REMOTE_DATA_JSON_URL),
  /** How often the trace evaluator looks for traces that went idle (docs/traces.md, "Failure detection"). */
  TRACE_EVALUATE_INTERVAL_MS: positiveInt(5_000),
  /** A trace with no new span for this long is complete and its detectors run. */
  TRACE_IDLE_MS: positiveInt(60_000),
  /** Traces evaluated per transaction. */
  TRACE_EVALUATE_BATCH: positiveInt(200),
  /** retry_storm: calls of one model under one parent span, each within the window of the previous, one failed. */
  TRACE_RETRY_MIN_CALLS: z.coerce.number().int().min(2).default(3),
  TRACE_RETRY_WINDOW_MS: positiveInt(30_000),
  /** tool_loop: calls of one tool with the same arguments in a trace. */
  TRACE_TOOL_LOOP_MIN_CALLS: z.coerce.number().int().min(2).default(5),
  /** timeout: a model call lasting longer than this. */
  TRACE_MODEL_CALL_MAX_MS: positiveInt(120_000),
  /** cost_outlier: above median + k·MAD and ratio × median of the same name's traces over the window. */
  TRACE_COST_OUTLIER_MIN_SAMPLES: positiveInt(20),
  TRACE_COST_OUTLIER_MAD_FACTOR: z.coerce.number().positive().default(5),
  TRACE_COST_OUTLIER_MIN_RATIO: z.coerce.number().min(1).default(2),
  TRACE_COST_OUTLIER_WINDOW_DAYS: positiveInt(14),
  /** runaway_context: successive calls with strictly increasing input tokens, last/first at least the factor. */
  TRACE_RUNAWAY_MIN_CALLS: z.coerce.number().int().min(2).default(5),
  TRACE_RUNAWAY_GROWTH_FACTOR: z.coerce.number().min(1).default(3),
};

type IngestionEnv = { [K in keyof typeof ingestionEnv]: z.infer<(typeof ingestionEnv)[K]> };
/** What `SERVICE_CONFIG` holds in this service: the common variables and its own, validated at start. */
export type IngestionConfig = DomainServiceConfig & IngestionEnv;
