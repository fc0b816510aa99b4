import { z } from '@llmlab/config';
import { USAGE_IMPORT_LIMITS } from '@llmlab/contracts';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The gateway's ingest settings (`POST /v1/usage`, docs/ingestion.md). */
export const usageEnv = {
  /** How long a batch waits for JetStream's PubAck before the request answers 503 (the client retries). */
  INGEST_PUBLISH_TIMEOUT_MS: positiveInt(5_000),
  /**
   * How long a request waits for an event id another request is publishing right now (a parallel resend) before
   * publishing it too. Must stay well under the 30 s an in-flight claim lives.
   */
  INGEST_INFLIGHT_WAIT_MS: z.coerce.number().int().min(0).max(10_000).default(1_000),
  /**
   * Days the gateway remembers an acknowledged event id to answer `duplicates` (Redis). At least 30; the default
   * 36 covers every resend the 35-day timestamp window still accepts. The projection deduplicates for 40 days
   * whatever this says.
   */
  INGEST_DEDUP_HINT_DAYS: z.coerce.number().int().min(30).max(400).default(36),
  /** Largest file `POST /v1/projects/{projectId}/usage/imports` takes (413 above): 100 MiB by default. */
  USAGE_IMPORT_MAX_BYTES: positiveInt(USAGE_IMPORT_LIMITS.maxBytes),
};
